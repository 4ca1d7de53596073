-- Copied verbatim (except the placeholder shopId, replaced by the demo shop 10000) from IOM "Reference - IOM ImpEx Interfaces" (KB 2805L1).
INSERT INTO oms."CommunicationPartnerDO"(
            "id", 
			"decisionBeanDefRef", 
			"splitTransmission", 
			"communicationRef", 
            "receivingPartnerReferrerRef", 
			"sendingPartnerReferrerRef", 
			"maxNoOfRetries", 
            "retryDelay", 
			"mergeTypeDefRef")
    VALUES (
        nextval('oms."CommunicationPartnerDO_id_seq"'), 
		null, 
		FALSE, 
		(select "id" from oms."CommunicationDO" where "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR'), 
        (select "id" from oms."PartnerReferrerDO" where "financeControllerRef" = (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'Name of FinanceController')),
        (select "id" from oms."PartnerReferrerDO" where "shopRef" = 10000), -- enter the id of the OMS shop instance here
        5,
        '10m',
        null
    );
