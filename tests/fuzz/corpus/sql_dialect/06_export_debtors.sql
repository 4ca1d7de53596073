-- Debtor management: Debtors export (SEND_DEBTOR_<ShopID>_<ShopName>_<Timestamp>_<TransmissionID>.xml).
-- Every new, changed or deactivated debtor of shop 10000 creates a transmission (events CD / UD / DD).
-- Sender: shop 10000 (inTRONICS). Needs 01_finance_controller.sql where the receiver is the
-- finance controller.
INSERT INTO oms."CommunicationPartnerDO" ("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef")
VALUES (
    nextval('"CommunicationPartnerDO_id_seq"'),                                          -- id
    NULL,                                                                                -- decisionBeanDefRef
    FALSE,                                                                               -- splitTransmission
    (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR'), -- communicationRef
    (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000),                 -- sendingPartnerReferrerRef
    (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "financeControllerRef" = (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting')), -- receivingPartnerReferrerRef
    5,                                                                                  -- maxNoOfRetries
    '10m',                                                                                -- retryDelay
    NULL                                                                                 -- mergeTypeDefRef
);
