trait Store {
    #[iast::sink(nosql)]
    fn put(&self, doc: &str) -> usize;
}

fn main() {}
