//! The file system's limit for `bench/export.sh`: writes the files of a directory again into a
//! new directory, each with one create + write + close (no fsync, no rename), and prints the
//! files per second.
//!
//! `cargo run --release --example write_loop -- SRC_DIR DST_DIR`
use std::io::Write;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (src, dst) = (args.next().expect("usage: write_loop SRC DST"), args.next().expect("usage: write_loop SRC DST"));
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&src)
        .expect("read_dir")
        .map(|e| {
            let e = e.expect("entry");
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read"))
        })
        .collect();
    files.sort();
    std::fs::create_dir_all(&dst).expect("mkdir");
    let start = Instant::now();
    for (name, bytes) in &files {
        let mut f = std::fs::File::create(std::path::Path::new(&dst).join(name)).expect("create");
        f.write_all(bytes).expect("write");
    }
    let secs = start.elapsed().as_secs_f64();
    println!("write_loop: {} files in {secs:.3} s = {:.0} files/s", files.len(), files.len() as f64 / secs);
}
