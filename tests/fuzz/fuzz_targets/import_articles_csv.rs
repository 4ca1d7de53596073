//! Fuzz target: the CSV reader of ImportCsvArticleBean (A and BCG files) never panics on any
//! input, with the standard headers and with a reordered subset under another delimiter and
//! quote; a file it accepts has no more rows than lines.
#![no_main]
use impex::transform::articles::{check_csv, Kind, Layout};
use libfuzzer_sys::fuzz_target;

const A: &str = "supplierArticleNo|manufacturer|manufacturerArticleNo|ISBN|EAN|articleName|length|height|width|weight|assortmentName|assortmentIdentifier|deliveryForm|customsTariffNo|parentSupplierArticleNo|articleForm|immaterialUid|articleLanguage|supplierSalesCode|supplierArticleIdentifier|articleType|edition|packagingUnit|packagingUnitValue";
const BCG: &str = "supplierArticleNo|currency|purchasePrice|listPrice|stockLevel|stockType|availabilityInDays|salesPrice|basicPrice|basicPriceUnitValue|basicPriceUnit|salesPriceOld|provisionType|provisionPercentage|taxType|isBestseller";

fuzz_target!(|data: &[u8]| {
    let layouts = [
        Layout::new(Kind::A, A, "|", None).unwrap(),
        Layout::new(Kind::Bcg, BCG, "|", None).unwrap(),
        Layout::new(Kind::Bcg, "stockLevel;supplierArticleNo;salesPrice;isBestseller", ";", Some("\"")).unwrap(),
    ];
    let lines = data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64 + 1;
    for layout in layouts {
        if let Ok(rows) = check_csv(data, layout) {
            assert!(rows < lines, "{rows} rows from {lines} lines");
        }
    }
});
