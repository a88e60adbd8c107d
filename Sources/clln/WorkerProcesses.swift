import CLLNReport
import Foundation

/// The line prefix with which a worker process reports finished work units to its parent.
private let progressPrefix = "clln-progress "

/// Runs this executable once per trial in child processes (`--worker-trial K`), at most `jobs` at
/// a time: ngspice is one simulator per process. Workers get this invocation's arguments with
/// `--json` and `--resume` dropped and `--out`/`--backend` replaced by `folder` and `backend`.
/// Workers report progress on their standard output (``reportWorkerProgress(_:)``), which
/// advances `progress`. A worker that dies without writing its result or error file (a signal,
/// an abort inside the simulator) is passed to `recordCrash` with a description.
func runWorkerProcesses(
    trials: [Int], jobs: Int, folder: URL, backend: BackendChoice, progress: ProgressBar,
    recordCrash: (_ trial: Int, _ description: String) -> Void
) throws {
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
    var running: [(trial: Int, process: Process, reader: WorkerProgressReader)] = []
    var queue = trials[...]
    while !queue.isEmpty || !running.isEmpty {
        while running.count < jobs, let k = queue.popFirst() {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments + ["--worker-trial", "\(k)"]
            let reader = WorkerProgressReader(progress: progress)
            process.standardOutput = reader.pipe
            try process.run()
            running.append((k, process, reader))
        }
        Thread.sleep(forTimeInterval: 0.05)
        // Decide once which workers ended, so that one ending meanwhile is not dropped unchecked.
        let ended = running.filter { !$0.process.isRunning }
        running.removeAll { worker in ended.contains { $0.process === worker.process } }
        for worker in ended {
            worker.reader.drain()
            let status = worker.process.terminationStatus
            if worker.process.terminationReason == .uncaughtSignal {
                recordCrash(worker.trial, "the worker process for trial \(worker.trial) was killed by signal \(status); rerun with --resume to continue it from its checkpoint")
            } else if status != 0 {
                recordCrash(worker.trial, "the worker process for trial \(worker.trial) exited with status \(status) without a result; see the messages above, then rerun with --resume")
            }
        }
    }
}

/// In a worker process: tells the parent that `units` more units of work are done.
func reportWorkerProgress(_ units: Int) {
    guard units > 0 else { return }
    FileHandle.standardOutput.write(Data("\(progressPrefix)\(units)\n".utf8))
}

/// Reads a worker's standard output and advances the parent's progress bar; other lines are
/// passed through to the parent's standard error.
private final class WorkerProgressReader: @unchecked Sendable {
    let pipe = Pipe()
    private let progress: ProgressBar
    private let lock = NSLock()
    private var pending = Data()

    init(progress: ProgressBar) {
        self.progress = progress
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.consume(handle.availableData)
        }
    }

    /// Reads what is left after the process ended and stops listening.
    func drain() {
        pipe.fileHandleForReading.readabilityHandler = nil
        consume(pipe.fileHandleForReading.readDataToEndOfFile())
    }

    private func consume(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        pending.append(data)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
            pending.removeSubrange(pending.startIndex...newline)
            if line.hasPrefix(progressPrefix), let units = Int(line.dropFirst(progressPrefix.count)) {
                progress.advance(by: units)
            } else if !line.isEmpty {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }
}
