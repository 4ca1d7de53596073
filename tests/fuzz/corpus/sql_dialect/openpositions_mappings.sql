-- Copied verbatim from IOM "Reference - IOM ImpEx Interfaces" (KB 2805L1).
INSERT INTO oms."FinanceController2PaymentDefDO" (id, "financeControllerRef", "financeControllerPaymentExportName", "financeControllerPaymentImportName", "paymentDefRef") VALUES 
	(8, 10000, 'RG', '00', 5), 
    (1, 10000, 'CC', '55', 3), 
    (5, 10000, 'GP', '51', 21), 
    (4, 10000, 'PP', '60', 10), 
    (7, 10000, 'COD', '80', 4),
    (2, 10000, 'EDD', '65', 7), 
    (3, 10000, 'SO', '50', 9), 
    (9, 10000, 'ISH', '01', 24), 
    (10, 10000, 'COP', '02', 23), 
    (11, 10000, 'PRE', '03', 2);
-- also: instead of hardcoding financeControllerRef to 10000
-- (SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'Name of FinanceController')
