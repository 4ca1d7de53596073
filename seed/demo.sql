-- impex demo data, loaded by `impex init --demo`: the organisation "inSPIRED" (shop 100) with
-- its shop "inTRONICS" (10000), a supplier and a carrier serving it, a finance controller, and customers,
-- debtors, orders and invoices that the reference's example files refer to
-- (OpenPositions: RefNr 2014000001, Debtor 10000).
-- Partner referrers of the supplier and of accounting are created by the jobs/ scripts, as in
-- the reference. Idempotent: INSERT OR IGNORE.

INSERT OR IGNORE INTO "ShopDO" ("id", "name", "parentRef", "defaultCurrency", "defaultLanguage") VALUES
  (100,   'inSPIRED', NULL, 'EUR', 'en'),
  (10000, 'inTRONICS', 100, 'EUR', 'en');

INSERT OR IGNORE INTO "SupplierDO" ("id", "name") VALUES (5000, 'inTRONICS Distribution');
INSERT OR IGNORE INTO "CarrierDO" ("id", "name", "trackingUrl") VALUES (5100, 'DHL', 'https://www.dhl.com/en-us/home/tracking.html?AWB=');
-- which supplier serves the shop, and the carrier's names at the shop and at the supplier
INSERT OR IGNORE INTO "Shop2SupplierDO" ("id", "shopRef", "supplierRef", "shopSupplierName", "supplierShopName", "splitShipmentAllowed")
  VALUES (10000, 10000, 5000, 'inTRONICS Distribution', 'inTRONICS', TRUE);
INSERT OR IGNORE INTO "Shop2CarrierDO" ("id", "shopRef", "carrierRef", "shopCarrierName") VALUES (10000, 10000, 5100, 'DHL');
INSERT OR IGNORE INTO "Supplier2CarrierDO" ("id", "supplierRef", "carrierRef", "supplierCarrierName") VALUES (10000, 5000, 5100, 'DHL');
-- the standard headers of the supplier's article (A) and availability (BCG) CSV files
INSERT OR IGNORE INTO "ImportConfigurationDO" ("id", "csvHeader", "csvDelimiter", "csvQuote", "supplierRef", "importDatapackFileTypeDefRef") VALUES
  (5001, 'supplierArticleNo|manufacturer|manufacturerArticleNo|ISBN|EAN|articleName|length|height|width|weight|assortmentName|assortmentIdentifier|deliveryForm|customsTariffNo|parentSupplierArticleNo|articleForm|immaterialUid|articleLanguage|supplierSalesCode|supplierArticleIdentifier|articleType|edition|packagingUnit|packagingUnitValue', '|', NULL, 5000, 1),
  (5013, 'supplierArticleNo|currency|purchasePrice|listPrice|stockLevel|stockType|availabilityInDays|salesPrice|basicPrice|basicPriceUnitValue|basicPriceUnit|salesPriceOld|provisionType|provisionPercentage|taxType|isBestseller', '|', NULL, 5000, 13);
INSERT OR IGNORE INTO "PaymentProviderDO" ("id", "name") VALUES (5200, 'PayPal');
INSERT OR IGNORE INTO "FinanceControllerDO" ("id", "name") VALUES (1, 'inSPIRED Accounting');

INSERT OR IGNORE INTO "PartnerReferrerDO" ("id", "shopRef") VALUES (10010, 10000), (10011, 100);
INSERT OR IGNORE INTO "PartnerReferrerDO" ("id", "carrierRef") VALUES (5100, 5100);
INSERT OR IGNORE INTO "PartnerReferrerDO" ("id", "paymentProviderRef") VALUES (5200, 5200);
INSERT OR IGNORE INTO "PartnerReferrerDO" ("id", "financeControllerRef") VALUES (5300, 1);

INSERT OR IGNORE INTO "CustomerDO" ("id", "shopRef", "shopCustomerNo", "customerType", "isNewCustomer",
    "salutation", "firstName", "lastName", "isFemale", "eMail", "phone1") VALUES
  (10071, 10000, 'fce2b60b-7461-4efa-8c4f-3d7e35a7f3d3', 'b2c', FALSE, 'Mr.', 'Herbert', 'Spock', FALSE, 'herbert.spock@example.com', '+49 3641 000000'),
  (10072, 10000, 'C-10072', 'b2c', TRUE, 'Ms.', 'Jördis', 'Müller & Söhne', TRUE, 'joerdis@example.com', NULL);
INSERT OR IGNORE INTO "CustomerDO" ("id", "shopRef", "shopCustomerNo", "customerType", "companyName", "lastName", "eMail") VALUES
  (10073, 10000, '1234567', 'b2b', 'Company', 'Buyer', 'b.buyer@company.com');

INSERT OR IGNORE INTO "CustomerAddressDO" ("id", "customerRef", "addressType", "isDefault", "nightShipping",
    "firstName", "lastName", "street", "houseNo", "city", "postCode", "country", "isValidated") VALUES
  (10201, 10071, 'SHIPPING', TRUE, TRUE, 'Mario', 'Meier', 'Heugraben', '11', 'Jena', '07743', 'DEU', FALSE),
  (10200, 10071, 'BILLING', TRUE, FALSE, 'H.', 'Spock', 'Leutragraben', '1', 'Jena', '07743', 'DEU', FALSE),
  (10202, 10072, 'BILLING', TRUE, FALSE, 'Jördis', 'Müller & Söhne', 'Neue Promenade', '5', 'Berlin', '10178', 'DEU', TRUE);
INSERT OR IGNORE INTO "CustomerPropertyDO" ("id", "customerRef", "type", "key", "value") VALUES
  (10097, 10071, 'BOOLEAN', 'VIP', 'TRUE'),
  (10098, 10071, 'STRING', 'creator', 'WSTest');
INSERT OR IGNORE INTO "CustomerBankAccountDO" ("id", "customerRef", "isDefault", "hasDirectDebit", "bankName", "accountHolder", "accountNumber", "bankCode", "bankCodeType") VALUES
  (10300, 10072, TRUE, TRUE, 'Berliner Bank', 'Jördis Müller', 'DE02100100100006820101', 'PBNKDEFF', 'SEPA');

INSERT OR IGNORE INTO "DebitorDO" ("id", "shopRef", "customerRef", "type", "salutation", "firstName", "lastName",
    "city", "postCode", "street", "houseNumber", "addition1", "addition2", "country", "email") VALUES
  (10000, 10000, 10071, 2, 'Mr.', 'Herbert', 'Spock', 'Jena', '07743', 'Leutragraben', '1', NULL, NULL, 'Germany', 'herbert.spock@example.com'),
  (100654, 10000, 10072, 2, 'Mr.', 'Matze', 'Katze', 'Berlin', '10178', 'Neue Promenade', '5', '3. OG', 'Terrasse', 'Germany', NULL);
INSERT OR IGNORE INTO "DebitorDO" ("id", "shopRef", "customerRef", "type", "companyName", "vatNo", "city", "postCode", "street", "houseNumber", "country", "iban", "bankOwner") VALUES
  (100646, 10000, 10073, 1, 'Company', 'DE123456789', 'Berlin', '10234', 'Street', '1', 'Germany', 'DE02100100100006820101', 'Company');

INSERT OR IGNORE INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "shopCustomerNo", "customerRef", "supplierRef", "carrierRef",
    "orderCreationDate", "paymentDefRef", "paymentMethod", "currency", "customerSalutation", "customerFirstName", "customerLastName",
    "customerEmail", "sumNet", "sumGross", "totalNet", "totalGross") VALUES
  (10001, 10000, '2014000001', 'fce2b60b-7461-4efa-8c4f-3d7e35a7f3d3', 10071, 5000, 5100, '2015-01-10 10:00:00.000', 3, 'CREDIT_CARD', 'EUR',
    'Mr.', 'Herbert', 'Spock', 'herbert.spock@example.com', 10374, 12345, 10374, 12345),
  (10002, 10000, '0083', 'C-10072', 10072, 5000, 5100, '2015-10-20 09:30:00.000', 10, 'PAYPAL', 'EUR',
    'Ms.', 'Jördis', 'Müller & Söhne', 'joerdis@example.com', 75387, 87925, 75387, 87925);

INSERT OR IGNORE INTO "OrderAddressDO" ("id", "orderRef", "addressType", "firstName", "lastName", "street", "houseNumber", "city", "postCode", "country") VALUES
  (10001, 10001, 'DELIVERY', 'Mario', 'Meier', 'Heugraben', '11', 'Jena', '07743', 'DE'),
  (10002, 10001, 'BILLING', 'H.', 'Spock', 'Leutragraben', '1', 'Jena', '07743', 'DE'),
  (10003, 10002, 'DELIVERY', 'Jördis', 'Müller & Söhne', 'Neue Promenade', '5', 'Berlin', '10178', 'DE'),
  (10004, 10002, 'BILLING', 'Jördis', 'Müller & Söhne', 'Neue Promenade', '5', 'Berlin', '10178', 'DE');

INSERT OR IGNORE INTO "OrderPositionDO" ("id", "orderRef", "number", "articleId", "articleName", "supplierArticleNo", "ean",
    "quantity", "supplierRef", "taxTypeDefRef", "unitNet", "unitGross", "sumNet", "sumGross", "sumTax", "purchaseUnitNet", "purchaseSumNet") VALUES
  (10001, 10001, 1, '100-0001', 'test_product_1', '100-0001', '4006381333931', 1, 5000, 5, 10374, 12345, 10374, 12345, 1971, 8000, 8000),
  (10002, 10002, 1, 'SD111001', 'Stuurventiel 18-18-18-AET', 'SD111001', '123456789', 2, 5000, 5, 31343, 37698, 62687, 75225, 12538, 20000, 40000),
  (10003, 10002, 2, '100-0002', 'Handbuch "Löten" <2. Auflage>', '100-0002', NULL, 1, 5000, 1, 12700, 12700, 12700, 12700, 0, 9000, 9000);

INSERT OR IGNORE INTO "InvoicingDO" ("id", "invoiceNo", "shopRef", "orderRef", "debitorRef", "documentTypeDefRef", "paymentDefRef",
    "currency", "invoiceDate", "grossAmount", "netAmount", "companyCode") VALUES
  (10001, '2014000001', 10000, 10001, 10000, 18, 3, 'EUR', '2015-01-18 00:00:00.000', 12345, 10374, '01'),
  (10002, '0083', 10000, 10002, 100646, 18, 10, 'EUR', '2015-10-27 00:00:00.000', 87925, 75387, '123abc');
INSERT OR IGNORE INTO "InvoicingTaxDO" ("id", "invoicingRef", "taxTypeDefRef", "netAmount", "taxAmount") VALUES
  (10001, 10001, 5, 10374, 1971),
  (10002, 10002, 5, 62687, 12538),
  (10003, 10002, 1, 12700, 0),
  (10004, 10002, 3, 0, 0);
