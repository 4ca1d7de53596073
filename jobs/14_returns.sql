-- Return configuration of shop 10000 (inTRONICS) and its supplier 5000, in the shape of IOM's
-- project scripts: which return types and reasons the shop offers and the supplier accepts, the
-- address returns go to, and the shop's RMA numbers. The RMA service reads these tables.
-- Idempotent: every insert skips rows that exist.

UPDATE oms."ShopDO" SET "returnDeadline" = 30, "shopRMANumberSequenceName" = 'inTRONICS_RMA_seq',
       "shopRMANumberSequenceFormatString" = 'rma-number-{0}'
 WHERE "id" = 10000;

-- returns of the supplier's goods bought in the shop travel with DHL (5100): accepted return
-- requests get a return label too
UPDATE oms."Shop2SupplierDO" SET "returnCarrierRef" = 5100
 WHERE "shopRef" = 10000 AND "supplierRef" = 5000 AND "returnCarrierRef" IS NULL;

-- the shop's return types: RET (4) and DEF (5)
INSERT INTO "Shop2ReturnTypeDefDO" (id, "returnTypeDefRef", "shopReturnTypeName", "shopRef")
SELECT nextval('"Shop2ReturnTypeDefDO_id_seq"'), 4, 'RET', 10000
WHERE NOT EXISTS (SELECT * FROM "Shop2ReturnTypeDefDO" WHERE "shopRef" = 10000 AND "returnTypeDefRef" = 4);
INSERT INTO "Shop2ReturnTypeDefDO" (id, "returnTypeDefRef", "shopReturnTypeName", "shopRef")
SELECT nextval('"Shop2ReturnTypeDefDO_id_seq"'), 5, 'DEF', 10000
WHERE NOT EXISTS (SELECT * FROM "Shop2ReturnTypeDefDO" WHERE "shopRef" = 10000 AND "returnTypeDefRef" = 5);

-- the shop's return reasons (all of type RET)
WITH alist (reason, rname, shop) AS (
    SELECT 301, 'RET020', 10000 UNION ALL
    SELECT 313, 'RET045', 10000 UNION ALL
    SELECT 304, 'RET050', 10000 UNION ALL
    SELECT 305, 'RET060', 10000 UNION ALL
    SELECT 308, 'RET090', 10000 UNION ALL
    SELECT 323, 'RET190', 10000 UNION ALL
    SELECT 312, 'RET990', 10000
)
INSERT INTO "Shop2ReturnReasonDefDO" (id, "returnReasonDefRef", "shopReturnReasonName", "shopRef")
SELECT nextval('"Shop2ReturnReasonDefDO_id_seq"'), reason, rname, shop
FROM alist
WHERE (reason, shop) NOT IN (SELECT "returnReasonDefRef", "shopRef" FROM "Shop2ReturnReasonDefDO");

-- the supplier's return types (RET preselected) and reasons (RET020 preselected)
WITH alist (rtype, rname, supplier, rma, preselect) AS (
    SELECT 1, 'CAN', 5000, '', false UNION ALL
    SELECT 2, 'RCL', 5000, '', false UNION ALL
    SELECT 3, 'INV', 5000, '', false UNION ALL
    SELECT 4, 'RET', 5000, '', true  UNION ALL
    SELECT 5, 'DEF', 5000, '', false
)
INSERT INTO "Supplier2ReturnTypeDefDO" (id, "returnTypeDefRef", "supplierReturnTypeName", "supplierRef", "rmaNo", preselected)
SELECT nextval('"Supplier2ReturnTypeDefDO_id_seq"'), rtype, rname, supplier, rma, preselect
FROM alist
WHERE (rtype, supplier) NOT IN (SELECT "returnTypeDefRef", "supplierRef" FROM "Supplier2ReturnTypeDefDO");

WITH alist (returnreason, reasonname, supplier, preselect) AS (
    SELECT 301, 'RET020', 5000, true  UNION ALL
    SELECT 313, 'RET045', 5000, false UNION ALL
    SELECT 304, 'RET050', 5000, false UNION ALL
    SELECT 305, 'RET060', 5000, false UNION ALL
    SELECT 308, 'RET090', 5000, false UNION ALL
    SELECT 323, 'RET190', 5000, false UNION ALL
    SELECT 312, 'RET990', 5000, false
)
INSERT INTO "Supplier2ReturnReasonDefDO" (id, "returnReasonDefRef", "supplierReturnReasonName", "supplierRef", "preselected")
SELECT nextval('"Supplier2ReturnReasonDefDO_id_seq"'), returnreason, reasonname, supplier, preselect
FROM alist
WHERE (returnreason, supplier) NOT IN (SELECT "returnReasonDefRef", "supplierRef" FROM "Supplier2ReturnReasonDefDO");

-- where returns of the supplier's goods bought in the shop go (every type except cancellations)
WITH alist (supplier_returntype_id, shop_supplier_id) AS (
    SELECT rt.id, s2s.id
    FROM "Supplier2ReturnTypeDefDO" rt
    JOIN "Shop2SupplierDO" s2s ON rt."supplierRef" = s2s."supplierRef"
    WHERE rt."supplierReturnTypeName" <> 'CAN' AND s2s."shopRef" = 10000 AND s2s."supplierRef" = 5000
)
INSERT INTO "SupplierReturnAddressDO" ("id", "addressLine1", "addressLine2", "addressLine3", "addressLine4", "addressLine5",
                                       "supplier2ReturnTypeDefRef", "shop2SupplierRef")
SELECT nextval('"SupplierReturnAddressDO_id_seq"'),
       'inTRONICS Return Center', 'c/o inTRONICS Distribution', 'Neue Promenade 5', '10178 Berlin', 'Germany',
       supplier_returntype_id, shop_supplier_id
FROM alist
WHERE (supplier_returntype_id, shop_supplier_id) NOT IN (SELECT "supplier2ReturnTypeDefRef", "shop2SupplierRef" FROM "SupplierReturnAddressDO");
