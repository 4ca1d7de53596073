//! Configurations written the way real IOM projects write them (Intershop's public blueprint
//! project, in the plain SQL form of its PL/pgSQL scripts): IOM's own columns, free
//! `"CommunicationDO"` keys, bean definitions without a name, `ON CONFLICT` upserts, and import
//! jobs of `typeDefRef` 30 (pull and push) with a push directory, a NULL `"filenameRegex"` and the
//! file regex in parameter 4. They run with `impex sql`, twice, and the jobs then do their work.
use crate::support::env::{files_under, TestEnv};

/// Shops, supplier, carrier and the bean definitions a project adds, as the blueprint's
/// `create_or_update_*` functions write them.
pub(crate) const PARTNERS: &str = r#"
INSERT INTO oms."ShopDO" ("id", "active", "availabilityTolerance", "isB2B", "mapArticleId", "modificationDate", "name",
    "overwriteSelectedSupplierAllowed", "parentRef", "returnDeadline", "shopName", "singleArticleInfo", "hasSupplierPrefix",
    "internalShopName", "preferredSupplierOnly", "orderProcessingDelay", "shopRMANumberSequenceName", "shopRMANumberSequenceFormatString")
SELECT 10020, true, 0, true, false, now(), 'inTRONICS Business', false, 100, 14, 'inTRONICS Business', false, false,
    'inTRONICS_B2B', false, '0m', 'intronics_b2b_rma_seq', 'rma-number-{0}'
ON CONFLICT (id) DO UPDATE SET
    "active" = EXCLUDED."active", "isB2B" = EXCLUDED."isB2B", "modificationDate" = EXCLUDED."modificationDate", "name" = EXCLUDED."name",
    "parentRef" = EXCLUDED."parentRef", "returnDeadline" = EXCLUDED."returnDeadline", "shopName" = EXCLUDED."shopName",
    "shopRMANumberSequenceFormatString" = EXCLUDED."shopRMANumberSequenceFormatString";

INSERT INTO oms."SupplierDO" ("id", "name") SELECT 10030, 'Warehouse Texas'
WHERE NOT EXISTS (SELECT NULL FROM oms."SupplierDO" WHERE id = 10030);
INSERT INTO oms."PartnerReferrerDO" ("id", "shopRef") SELECT nextval('"PartnerReferrerDO_id_seq"'), 10020
WHERE NOT EXISTS (SELECT NULL FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10020);
INSERT INTO oms."PartnerReferrerDO" ("id", "supplierRef") SELECT nextval('"PartnerReferrerDO_id_seq"'), 10030
WHERE NOT EXISTS (SELECT NULL FROM oms."PartnerReferrerDO" WHERE "supplierRef" = 10030);

INSERT INTO oms."CarrierDO" (id, name, "trackingUrl", "modificationDate", version)
SELECT 10040, 'DHL Express', 'https://www.dhl.com/en-us/home/tracking.html?AWB=', now(), 0
WHERE NOT EXISTS (SELECT null FROM "CarrierDO" WHERE id = 10040);

INSERT INTO oms."Shop2SupplierDO" ("id", "active", "modificationDate", "reservationTimeInDays", "shopAccount", "shopPassword",
    "shopSupplierName", "splitShipmentAllowed", "supplierAccount", "supplierPassword", "supplierShopName", "shopRef", "supplierRef",
    "returnCarrierRef", "useSupplierArticleNoAsShopArticleNo", "shopArticleNoPrefix", "stockReduceModel", "supplierSupportsCOD")
SELECT nextval('oms."Shop2SupplierDO_id_seq"'), true, CURRENT_TIMESTAMP, 0, '', '',
    coalesce(NULL, (SELECT name FROM oms."SupplierDO" WHERE id = 10030)), FALSE, '', '',
    coalesce(NULL, (SELECT name FROM oms."ShopDO" WHERE id = 10020)), 10020, 10030, 10040, true, NULL, 25, true
ON CONFLICT ("shopRef", "supplierRef") DO UPDATE SET
    "shopSupplierName" = EXCLUDED."shopSupplierName", "supplierShopName" = EXCLUDED."supplierShopName", active = EXCLUDED.active,
    "returnCarrierRef" = EXCLUDED."returnCarrierRef", "stockReduceModel" = EXCLUDED."stockReduceModel";

INSERT INTO oms."Supplier2CarrierDO" (id, "supplierCarrierName", "carrierRef", "supplierRef")
SELECT nextval('"Supplier2CarrierDO_id_seq"'), 'DHL', 10040, 10030
WHERE NOT EXISTS (SELECT NULL FROM "Supplier2CarrierDO" WHERE "supplierRef" = 10030 AND "supplierCarrierName" = 'DHL');
INSERT INTO oms."Shop2CarrierDO" (id, "shopCarrierName", "carrierRef", "shopRef")
SELECT nextval('"Shop2CarrierDO_id_seq"'), 'DHL', 10040, 10020
WHERE NOT EXISTS (SELECT NULL FROM "Shop2CarrierDO" WHERE "shopRef" = 10020 AND "shopCarrierName" = 'DHL');

INSERT INTO oms."DecisionBeanDefDO"(id, description) values (40000, 'orderTransmissionDecisionBean') ON CONFLICT (id) DO NOTHING;
INSERT INTO oms."ExecutionBeanDefDO"(id, "decisionBeanDefRef", description) values (10000, null, 'customOrderMessageTransmitter') ON CONFLICT (id) DO NOTHING;
INSERT INTO oms."CommunicationDO" (id, key, "executionBeanDefRef", "documentFormatDefRef", "transmissionTypeDefRef", "communicationVersionDefRef", "transmissionFormDefRef")
SELECT nextval('"CommunicationDO_id_seq"'), 'shopMessageTransmitterOrder', 10000, 2, 10, 1, 1
WHERE NOT EXISTS (SELECT NULL FROM "CommunicationDO" WHERE key = 'shopMessageTransmitterOrder');
INSERT INTO oms."CommunicationPartnerDO" (id, "splitTransmission", "splitTransmissionPerSupplier", "communicationRef",
    "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "decisionBeanDefRef")
SELECT nextval('"CommunicationPartnerDO_id_seq"'), false, true, (SELECT id FROM "CommunicationDO" WHERE key = 'shopMessageTransmitterOrder'),
    NULL, (SELECT id FROM "PartnerReferrerDO" WHERE "shopRef" = 10020), 12, '30m', 40000
ON CONFLICT ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") DO NOTHING;
"#;

/// The import job of the blueprint's shape, for the storeOrder intake of shop 10000 from the
/// supplier 10030: group, process without "filenameRegex", parameters 4 and 1, a configuration
/// of type 30 (pull and push) whose partner puts the files into the local push directory.
pub(crate) fn import_job(pull_dir: &str) -> String {
    r#"
INSERT INTO "TransformerProcessGroupDO"(id, name)
SELECT nextval('"TransformerProcessGroupDO_id_seq"'), 'OrderImport'
WHERE NOT EXISTS (SELECT NULL FROM "TransformerProcessGroupDO" WHERE name = 'OrderImport');

INSERT INTO "TransformerProcessDO"( id, index, "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
SELECT nextval('"TransformerProcessDO_id_seq"'), 1, (SELECT id FROM "TransformerBeanDefDO" WHERE name = 'ImportXmlStoreOrderBean'),
    (SELECT id FROM "TransformerProcessGroupDO" WHERE name = 'OrderImport'), null, true
WHERE NOT EXISTS (SELECT NULL FROM "TransformerProcessDO" WHERE "transformerProcessGroupRef" = (SELECT id FROM "TransformerProcessGroupDO" WHERE name = 'OrderImport'));

INSERT INTO "TransformerProcessParameterDO" (id, "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
SELECT nextval('"TransformerProcessParameterDO_id_seq"'), v, k, p.id
FROM (SELECT 4 AS k, 'storeOrder_[0-9]+\.xml' AS v UNION ALL SELECT 1, '10000') kv,
     "TransformerProcessDO" p
WHERE p."transformerProcessGroupRef" = (SELECT id FROM "TransformerProcessGroupDO" WHERE name = 'OrderImport')
  AND NOT EXISTS (SELECT NULL FROM "TransformerProcessParameterDO" x WHERE x."transformerProcessesRef" = p.id AND x."transformerProcessesParameterKeyDefRef" = kv.k);

INSERT INTO oms."FileTransferConfigurationDO" (id, "basePath", "transmissionTypeDefRef", "typeDefRef", "creationDate",
    "modificationDate", "partnerReferrerRef", "description", "transformerProcessGroupRef")
SELECT nextval('"FileTransferConfigurationDO_id_seq"'), null, 1900, 30, current_timestamp, current_timestamp,
    (select id from "PartnerReferrerDO" where "supplierRef" = 10030), 'OrderImport', (SELECT id FROM "TransformerProcessGroupDO" WHERE name = 'OrderImport')
WHERE NOT EXISTS (SELECT NULL FROM oms."FileTransferConfigurationDO" WHERE "description" = 'OrderImport');

INSERT INTO oms."ScheduleDO" (id, "creationDate", "modificationDate", active, "configId", cron, "expectedRuntime", "jobDefRef", "lastRun", "lockedSince", "key", "maxNoOfRetries", "retryDelay", "countRetry")
SELECT nextval('"ScheduleDO_id_seq"'), current_timestamp, current_timestamp, TRUE,
    (SELECT id FROM oms."FileTransferConfigurationDO" WHERE "description" = 'OrderImport'), '0 0/5 * * * ?', 60000, 3, NULL, NULL, 'OrderImport', 10, '10m', 0
WHERE NOT EXISTS (SELECT NULL FROM "ScheduleDO" WHERE "key" = 'OrderImport');

INSERT INTO oms."CommunicationPartnerDO" (id, "splitTransmission", "communicationRef", "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", "retryDelay")
SELECT nextval('"CommunicationPartnerDO_id_seq"'), FALSE, (select id from "CommunicationDO" where "key" = 'ANY###FTP_JOB###EXT_TRANSFER_FILE'),
    (select id from "PartnerReferrerDO" where "shopRef" = 10000), (select id from "PartnerReferrerDO" where "supplierRef" = 10030), 12, '30m'
ON CONFLICT ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") DO NOTHING;

INSERT INTO "ExecutionBeanValueDO" (id, "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
SELECT nextval('"ExecutionBeanValueDO_id_seq"'), k, v, cp.id
FROM (SELECT 1331 AS k, 'PULL_DIR' AS v UNION ALL SELECT 1332, 'orders/in/' UNION ALL SELECT 1333, 'storeOrder_[0-9]+\.xml') kv,
     "CommunicationPartnerDO" cp
WHERE cp."communicationRef" = (select id from "CommunicationDO" where "key" = 'ANY###FTP_JOB###EXT_TRANSFER_FILE')
  AND cp."sendingPartnerReferrerRef" = (select id from "PartnerReferrerDO" where "supplierRef" = 10030)
ON CONFLICT ("communicationPartnerRef", "executionBeanKeyDefRef") DO UPDATE SET "parameterValue" = EXCLUDED."parameterValue";
"#
    .replace("PULL_DIR", pull_dir)
}

fn counts(env: &TestEnv) -> Vec<i64> {
    [
        "ShopDO", "Shop2SupplierDO", "Shop2CarrierDO", "Supplier2CarrierDO", "CarrierDO", "CommunicationDO", "CommunicationPartnerDO",
        "ExecutionBeanValueDO", "TransformerProcessDO", "TransformerProcessParameterDO", "FileTransferConfigurationDO", "ScheduleDO",
    ]
    .iter()
    .map(|t| env.query_i64(&format!(r#"SELECT count(*) FROM "{t}""#)))
    .collect()
}

#[test]
fn blueprint_shaped_configuration_runs_twice_and_its_import_job_works() {
    let env = TestEnv::new(true);
    let pull = env.path("supplier/orders");
    std::fs::create_dir_all(&pull).unwrap();
    let script = format!("{PARTNERS}\n{}", import_job(pull.to_str().unwrap()));
    env.sql_ok(&script);
    let once = counts(&env);
    env.sql_ok(&script);
    assert_eq!(counts(&env), once, "a second run of the scripts adds nothing");

    assert_eq!(env.query_string(r#"SELECT "shopRMANumberSequenceFormatString" FROM "ShopDO" WHERE "id" = 10020"#), "rma-number-{0}");
    assert_eq!(env.query_i64(r#"SELECT "parentRef" FROM "ShopDO" WHERE "id" = 10020"#), 100);
    assert_eq!(env.query_string(r#"SELECT "shopSupplierName" FROM "Shop2SupplierDO" WHERE "shopRef" = 10020"#), "Warehouse Texas");
    assert_eq!(env.query_i64(r#"SELECT "splitTransmissionPerSupplier" FROM "CommunicationPartnerDO" WHERE "decisionBeanDefRef" = 40000"#), 1);
    let check = env.ok(&["check"]);
    assert!(!check.lines().any(|l| !l.starts_with("warning:") && l != "configuration ok"), "{check}");

    // the supplier drops an order file; the job pulls it into the push directory and imports it
    let order = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import/storeOrder_000000300.xml")).unwrap();
    std::fs::write(pull.join("storeOrder_000000300.xml"), order).unwrap();
    std::fs::write(pull.join("readme.txt"), "not pulled").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for f in ["storeOrder_000000300.xml", "readme.txt"] {
        std::fs::File::options().write(true).open(pull.join(f)).unwrap().set_modified(old).unwrap();
    }
    let out = env.ok(&["trigger", "OrderImport"]);
    assert!(out.contains("pulled 1 file(s)") && out.contains("1 file(s) imported, 0 failed") && !out.contains("delivered"), "{out}");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OrderDO" WHERE "shopOrderNo" = '000000300' AND "shopRef" = 10000"#), 1);
    let work = env.base().join("share/OrderImport/orders");
    assert_eq!(files_under(&work.join("done")), vec!["storeOrder_000000300.xml".to_string()]);
    assert!(files_under(&work.join("in")).is_empty());
    assert_eq!(files_under(&pull), vec!["readme.txt".to_string()], "the pulled file is gone from the supplier's directory, the other stays");
}
