-- Copied verbatim except the erratum: 'No dunning level' and 'INITIAL' are strings, not identifiers from IOM "Reference - IOM ImpEx Interfaces" (KB 2805L1).
INSERT INTO oms."Shop2DunningLevelDO" (id, description, "dunningLevelDefRef", "financeControllerDunningLevel", "financeControllerRef", "shopRef")
    						   VALUES (10000, 'No dunning level', 1, 'INITIAL', 1, 10000);
