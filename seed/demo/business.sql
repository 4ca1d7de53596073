-- Business events of the demo, written as plain SQL (as an operator could in the sqlite3 shell):
-- each creates a transmission for the configured communication partners.

-- supplier 5000 dispatched order 10001 (PurchaseOrders, positive amount)
INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "carrierRef", "supplierOrderNo", "deliveryNoteNo", "invoiceNo", "creditorId", "companyCode", "netAmount", "currency")
VALUES (nextval('"DispatchDO_id_seq"'), 10001, 5000, 5100, 'PO-10001', 'DN-10001', '2014000001', 'CRED-5000', '001', 10374, 'EUR');

-- the customer returned order 10002 (PurchaseOrders, negative amount)
INSERT INTO "ReturnDO" ("id", "orderRef", "supplierRef", "supplierOrderNo", "invoiceNo", "creditorId", "companyCode", "netAmount", "currency")
VALUES (nextval('"ReturnDO_id_seq"'), 10002, 5000, 'PO-10002', '0083', 'CRED-5000', '001', 12700, 'EUR');

-- a new invoice (SalesOrders with taxes per tax code)
INSERT INTO "InvoicingDO" ("id", "invoiceNo", "shopRef", "orderRef", "debitorRef", "documentTypeDefRef", "paymentDefRef", "currency", "invoiceDate", "grossAmount", "netAmount", "companyCode")
VALUES (nextval('"InvoicingDO_id_seq"'), '2015000100', 10000, 10002, 100646, 18, 10, 'EUR', now(), 87925, 75387, '123abc');
INSERT INTO "InvoicingTaxDO" ("id", "invoicingRef", "taxTypeDefRef", "netAmount", "taxAmount")
VALUES (nextval('"InvoicingTaxDO_id_seq"'), currval('"InvoicingDO_id_seq"'), 5, 62687, 12538),
       (nextval('"InvoicingTaxDO_id_seq"'), currval('"InvoicingDO_id_seq"'), 1, 12700, 0);

-- a debtor changed (Debtors, event UD)
UPDATE "DebitorDO" SET "email" = 'matze.katze@example.com', "modificationDate" = now() WHERE "id" = 100654;

-- order 10002 is processed and goes to its supplier (storeOrder)
UPDATE "OrderDO" SET "readyForSupplier" = now() WHERE "id" = 10002;

-- the customer announced the return of one position of order 10001 (ReturnAnnouncement), and
-- the shop accepted it ("stateDefRef" 5000: it gets its return slip and label)
INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber", "stateDefRef", "type", "contactFirstName", "contactLastName", "contactPhone", "contactEmail", "correspondenceLanguage")
VALUES (nextval('"ReturnAnnouncementDO_id_seq"'), 10001, 'RMA-10001-1', 5000, 'RETURN', 'Herbert', 'Spock', '030-13939212', 'herbert.spock@example.com', 'en');
INSERT INTO "ReturnAnnouncementPositionDO" ("id", "returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason")
VALUES (nextval('"ReturnAnnouncementPositionDO_id_seq"'), currval('"ReturnAnnouncementDO_id_seq"'), 10001, 1, 'RET020');
