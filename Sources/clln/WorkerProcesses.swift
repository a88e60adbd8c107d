import Foundation

/// Runs this executable once per trial in child processes (`--worker-trial K`), at most `jobs` at
/// a time: ngspice is one simulator per process. Workers get this invocation's arguments with
/// `--json` and `--resume` dropped and `--out`/`--backend` replaced by `folder` and `backend`.
func runWorkerProcesses(trials: [Int], jobs: Int, folder: URL, backend: BackendChoice) throws {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0])
    var arguments: [String] = []
    var rest = Array(CommandLine.arguments.dropFirst())[...]
    while let argument = rest.popFirst() {
        switch argument {
        case "--json", "--resume": continue
        case "--out", "--backend": _ = rest.popFirst()
        default:
            if !argument.hasPrefix("--out=") && !argument.hasPrefix("--backend=") { arguments.append(argument) }
        }
    }
    arguments += ["--out", folder.path, "--backend", backend.rawValue]
    var running: [Process] = []
    var queue = trials[...]
    while !queue.isEmpty || !running.isEmpty {
        while running.count < jobs, let k = queue.popFirst() {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments + ["--worker-trial", "\(k)"]
            try process.run()
            running.append(process)
        }
        Thread.sleep(forTimeInterval: 0.05)
        running.removeAll { !$0.isRunning }
    }
}
