#!/usr/bin/env python3
"""Generates the import benchmark data: an OpenPositions file with N positions and the SQL that
creates the N invoices (T-000001..) and the configuration it needs.

usage: import_gen.py N OUT_DIR   -> OUT_DIR/OpenPositionsImport_bench.xml, OUT_DIR/setup.sql
"""
import os
import sys

n = int(sys.argv[1])
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "OpenPositionsImport_bench.xml"), "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
    f.write('<OpenPositions xmlns="http://types.theberlinbakery.com/v1_0">\n')
    f.write("    <MerchantId>XYZ</MerchantId>\n    <TransId>bench</TransId>\n")
    for i in range(1, n + 1):
        amount = 1000 + i % 100000
        paid = (amount // 2) if i % 3 == 0 else (amount if i % 3 == 1 else 0)
        f.write(
            "\t<OpenPosition>\n"
            f"\t\t<RefNr>T-{i:06d}</RefNr>\n"
            f'\t\t<Debtor id="{100654 if i % 2 else 100646}"/>\n'
            "\t\t<CreationDate>2015-01-18</CreationDate>\n"
            f"\t\t<VoucherNo>V{i:08d}</VoucherNo>\n"
            "\t\t<VoucherDate>2015-01-18</VoucherDate>\n"
            f"\t\t<EntryText>invoice T-{i:06d}</EntryText>\n"
            "\t\t<Currency>EUR</Currency>\n"
            f"\t\t<PayType>{'55' if i % 2 else '60'}</PayType>\n"
            f"\t\t<OPAmount>{amount}</OPAmount>\n"
            f"\t\t<SumAmount>{paid}</SumAmount>\n"
            f"\t\t<OpenAmount>{amount - paid}</OpenAmount>\n"
            "\t\t<EntryRange>01</EntryRange>\n"
            "\t\t<ModificationDate>2015-01-18</ModificationDate>\n"
            "\t</OpenPosition>\n"
        )
    f.write("</OpenPositions>\n")

with open(os.path.join(out, "setup.sql"), "w", encoding="utf-8") as f:
    f.write(f"""
INSERT INTO "Shop2FinanceControllerDO" (id, "financeControllerRef", "shopRef", "financeControllerShopName") VALUES (10000, 1, 10000, 'XYZ');
INSERT INTO "FinanceController2PaymentDefDO" (id, "financeControllerRef", "financeControllerPaymentExportName", "financeControllerPaymentImportName", "paymentDefRef")
    VALUES (1, 1, 'CC', '55', 3), (4, 1, 'PP', '60', 10);
INSERT INTO "TransformerProcessGroupDO" (id, name) VALUES (nextval('"TransformerProcessGroupDO_id_seq"'), 'import_openpositions');
INSERT INTO "TransformerProcessDO" (id, index, "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
    VALUES (nextval('"TransformerProcessDO_id_seq"'), 2, 22, currval('"TransformerProcessGroupDO_id_seq"'), 'OpenPositionsImport_[0-9A-Za-z_]*\\.xml', true);
INSERT INTO "TransformerProcessParameterDO" (id, "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
    VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), 10000, 1, currval('"TransformerProcessDO_id_seq"'));
INSERT INTO "InvoicingDO" ("invoiceNo", "shopRef", "invoiceDate", "grossAmount", "netAmount")
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
    SELECT 'T-' || substr(CAST(1000000 + i AS TEXT), 2), 10000, '2015-01-01 00:00:00.000', 1000 + i % 100000, 800 + i % 100000 FROM n;
""")
