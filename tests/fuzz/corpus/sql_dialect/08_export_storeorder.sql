-- Order placement: storeOrder export of processed orders to their supplier
-- (sendOrder_<shopId>_<supplierId>_<yyyyMMddHHmmss>_<uniqueId>.xml in <base>/communication/messages/out).
-- An order is exported when "OrderDO"."readyForSupplier" is set.

-- the supplier 5000 is a communication partner (one row per partner)
INSERT INTO oms."PartnerReferrerDO" ("id", "version", "shopRef", "supplierRef", "paymentProviderRef", "financeControllerRef", "carrierRef", "bonusPartnerRef")
VALUES (5000, 1, NULL, 5000, NULL, NULL, NULL, NULL)
ON CONFLICT DO NOTHING;

-- shop 10000 (partner referrer 10010) sends its orders to supplier 5000 (partner referrer 5000);
-- receivingPartnerReferrerRef NULL would mean: to the supplier of each order, whoever it is
INSERT INTO oms."CommunicationPartnerDO" ("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef")
VALUES (nextval('"CommunicationPartnerDO_id_seq"'), NULL, FALSE,
        (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER'),
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "supplierRef" = 5000),
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000),
        10, '5m', NULL);
