-- Copied verbatim from IOM "Reference - IOM ImpEx Interfaces" (KB 2805L1).
INSERT INTO oms."PartnerReferrerDO"(
            "id", "version", "shopRef", "supplierRef", "paymentProviderRef", 
            "financeControllerRef", "carrierRef", "bonusPartnerRef")
    VALUES (5000, 1, null, 5000, null, 
            null, null, null);

INSERT INTO oms."CommunicationPartnerDO"(
            "id", "decisionBeanDefRef", "splitTransmission", "communicationRef", 
            "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", 
            "retryDelay", "mergeTypeDefRef")
    VALUES (1010, null, false, 100005, 
            5000, 10010, 10, 
            '5m', null);
