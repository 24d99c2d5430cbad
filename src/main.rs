fn main() -> std::process::ExitCode {
    wamigrate::cli::main()
}
