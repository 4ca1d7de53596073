-- Creditor management: PurchaseOrders export of open payments of returns (negative amounts, IOM >= 4.1).
-- Every new return of shop 10000 creates a transmission; the file goes to <base>/communication/messages/out.
-- Sender: shop 10000 (inTRONICS). Needs 01_finance_controller.sql where the receiver is the
-- finance controller.
INSERT INTO oms."CommunicationPartnerDO" ("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef")
VALUES (
    nextval('"CommunicationPartnerDO_id_seq"'),                                          -- id
    NULL,                                                                                -- decisionBeanDefRef
    FALSE,                                                                               -- splitTransmission
    (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_RETURN'), -- communicationRef
    (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000),                 -- sendingPartnerReferrerRef
    (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "financeControllerRef" = (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting')), -- receivingPartnerReferrerRef
    5,                                                                                  -- maxNoOfRetries
    '1m',                                                                                -- retryDelay
    NULL                                                                                 -- mergeTypeDefRef
);
