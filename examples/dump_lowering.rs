fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    println!(
        "{}",
        yieldsafe::analysis::dump::lowering(&text, "2021".parse().unwrap()).unwrap()
    );
}
