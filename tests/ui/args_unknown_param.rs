#[iast::sink(command, args(prog))]
fn spawn(program: &str, argv: &[&str]) -> usize {
    program.len() + argv.len()
}

#[iast::sink(sql, args(self))]
fn no_receiver(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(sql, args())]
fn empty_args(sql: &str) -> usize {
    sql.len()
}

fn main() {
    spawn("", &[]);
    no_receiver("");
    empty_args("");
}
