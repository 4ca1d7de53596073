-- Business events for the export tests (plain SQLite: runs in the sqlite3 shell too).
-- A second supplier's position on order 10002.
INSERT INTO "OrderPositionDO" ("id", "orderRef", "number", "articleId", "articleName", "supplierArticleNo", "quantity", "supplierRef",
    "taxTypeDefRef", "unitNet", "unitGross", "sumNet", "sumGross", "sumTax", "purchaseUnitNet", "purchaseSumNet")
VALUES (10004, 10002, 3, '200-0001', 'Zweitlieferant-Artikel', 'S2-1', 1, 5001, 5, 1000, 1190, 1000, 1190, 190, 700, 700);
INSERT INTO "OrderChargeDO" ("orderRef", "kind", "chargeType", "net", "gross", "taxType", "tax") VALUES
  (10002, 'SUM', NULL, 75387, 87925, 'FullTax', 12538),
  (10002, 'CHARGE', 'DELIVERYCHARGE', 500, 500, 'NoTax', 0),
  (10002, 'TOTAL', NULL, 75887, 88425, 'FullTax', 12538);
INSERT INTO "OrderPropertyDO" ("orderRef", "positionRef", "groupId", "key", "value") VALUES
  (10002, NULL, 'references', 'key', 'value'),
  (10002, 10002, 'references', 'pos', 'a & b');

-- dispatch and return
INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "supplierOrderNo", "deliveryNoteNo", "invoiceNo", "creditorId",
    "companyCode", "payTerm", "netAmount", "currency")
VALUES (20001, 10002, 5000, '1241451wre', '123Abc', '123456a', '1234556a', '001a', NULL, 33900, 'EUR');
INSERT INTO "ReturnDO" ("id", "orderRef", "supplierRef", "supplierOrderNo", "invoiceNo", "creditorId", "companyCode", "netAmount", "currency")
VALUES (20002, 10001, 5000, '1241451wre', '123456a', '1234556a', '001a', 33900, 'EUR');

-- debtors: a new one (CD), an update (UD), a deactivation (DD)
INSERT INTO "DebitorDO" ("id", "shopRef", "type", "salutation", "firstName", "lastName", "city", "postCode", "street", "houseNumber",
    "addition1", "addition2", "country")
VALUES (100700, 10000, 2, 'Mr.', 'Matze', 'Katze', 'Berlin', '10178', 'Neue Promenade', '5', '3. OG', 'Terrasse', 'Germany');
UPDATE "DebitorDO" SET "email" = 'b.buyer@company.com' WHERE "id" = 100646;
UPDATE "DebitorDO" SET "active" = 0 WHERE "id" = 10000;

-- an invoice with three tax types
INSERT INTO "InvoicingDO" ("id", "invoiceNo", "shopRef", "orderRef", "debitorRef", "documentTypeDefRef", "paymentDefRef",
    "currency", "invoiceDate", "grossAmount", "netAmount", "companyCode")
VALUES (10010, '0084', 10000, 10002, 100646, 18, 10, 'GBP', '2015-10-27 00:00:00.000', 87925, 75387, '123abc');
INSERT INTO "InvoicingTaxDO" ("invoicingRef", "taxTypeDefRef", "netAmount", "taxAmount") VALUES
  (10010, 5, 62687, 12538), (10010, 1, 12700, 0), (10010, 3, 0, 0);

-- the order is ready for its suppliers
UPDATE "OrderDO" SET "readyForSupplier" = strftime('%Y-%m-%d %H:%M:%f','now') WHERE "id" = 10002;

-- return announcements: one with a position of supplier 5000, one with only supplier 5001's
INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber", "type", "contactFirstName", "contactLastName", "contactPhone",
    "contactEmail", "correspondenceLanguage")
VALUES (128, 10002, '1090-109r.5', 'RETURN', 'Conni', 'Contact', '030-13939212', 'example@ex.com', 'en');
INSERT INTO "ReturnAnnouncementPositionDO" ("id", "returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason") VALUES
  (1, 128, 10002, 1, 'RET020'), (2, 128, 10003, 1, 'RET010'), (3, 128, 10004, 1, 'RET030');
INSERT INTO "ReturnAnnouncementItemDO" ("returnAnnouncementPositionRef", "serialNumber") VALUES (1, 'JUST 2');
INSERT INTO "ReturnAnnouncementPropertyDO" ("returnAnnouncementRef", "groupId", "key", "value") VALUES
  (128, 'DEMO-group', 'Example key 1', 'Example Value 1'), (128, 'DEMO-group', 'Example key 2', 'Example Value 2');
INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber", "type", "pickupLastName", "pickupStreetName", "pickupCity",
    "pickupPostCode", "pickupCountry", "contactLastName", "contactEmail")
VALUES (129, 10002, 'RMA-ONLY-5001', 'PICKUP', 'Meier', 'Heugraben', 'Jena', '07743', 'DEU', 'Meier', 'm@example.com');
INSERT INTO "ReturnAnnouncementPositionDO" ("id", "returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason") VALUES
  (4, 129, 10004, 1, 'RET010');
