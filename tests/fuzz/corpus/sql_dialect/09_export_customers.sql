-- Customer export (Customers v1.1) of shop 10000 into <base>/importarticle/export:
-- a full export once a day and an incremental export every 60 minutes, starting now.
-- File name: <exportName>_<shopRef>_<exportVersion>_<yyyyMMddHHmmss>_<FULL|INCREMENT>.xml
-- exportVersion NULL: the first full export is version 1.00000. exportStartDate NULL disables it.
INSERT INTO customer."CustomerExportConfigDO" ("id", "exportName", "exportStartDate", "exportVersion", "intervalFullInDays",
            "intervalIncrementInMinutes", "lastExport", "shopRef", "version",
            "startTimeControlApp", "startTimeMDB", "exportNewCustomerOnIncrement")
VALUES (nextval('customer."CustomerExportConfigDO_id_seq"'), 'IOM-CUSTOMER', now(), NULL, 1,
        60, NULL, 10000, 1,
        NULL, NULL, TRUE);
