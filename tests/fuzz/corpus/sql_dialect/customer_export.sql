-- Copied verbatim from IOM "Reference - IOM ImpEx Interfaces" (KB 2805L1).
INSERT INTO customer."CustomerExportConfigDO"(
            "id", "exportName", "exportStartDate", "exportVersion", "intervalFullInDays", 
            "intervalIncrementInMinutes", "lastExport", "shopRef", "version", 
            "startTimeControlApp", "startTimeMDB", "exportNewCustomerOnIncrement")
    VALUES (500, 'IOM-CUSTOMER', now(), null, 1, 
            60, null, 100, 1, 
            null, null, TRUE);
