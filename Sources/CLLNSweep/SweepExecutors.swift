import CLLNReport
import CLLNRuns
import Foundation

/// Runs a sweep's unfinished points on this machine: each point is a child process
/// (`clln sweep run-point FOLDER K`, so a SPICE point has its own simulator), at most `jobs` at a
/// time, behind a progress bar over points. A point's output goes to its `log.txt`; a child that
/// dies leaves a crash record in its `error.txt`.
public struct LocalExecutor: Sendable {
    /// Cores to use: parallel points, and each point's parallel trials when points are fewer.
    public var jobs: Int
    /// How to start `clln sweep run-point`; the folder, index and `--jobs N` are appended.
    public var launch: WorkerLaunch

    public init(jobs: Int, launch: WorkerLaunch) {
        self.jobs = max(jobs, 1)
        self.launch = launch
    }

    /// Runs every point that is not done and returns the refreshed manifest.
    public func run(_ sweep: SweepFolder, manifest: SweepManifest) throws -> SweepManifest {
        let pending = manifest.points.map(\.point).filter { sweep.state(of: $0) != .done }
        let parallel = min(jobs, max(pending.count, 1))
        let trialJobs = max(1, jobs / parallel)
        let progress = ProgressBar(total: pending.count, label: "sweep \(manifest.name)")
        var running: [(point: SweepPoint, process: Process)] = []
        var queue = pending[...]
        while !queue.isEmpty || !running.isEmpty {
            while running.count < parallel, let point = queue.popFirst() {
                let log = sweep.pointFolder(point.index).file("log.txt")
                try AtomicFile.write(Data(), to: log)
                let output = try FileHandle(forWritingTo: log)
                let process = Process()
                process.executableURL = launch.executable
                process.arguments = launch.arguments + [sweep.url.path, "\(point.index)", "--jobs", "\(trialJobs)"]
                process.standardOutput = output
                process.standardError = output
                try process.run()
                try output.close()
                running.append((point, process))
            }
            Thread.sleep(forTimeInterval: 0.05)
            let ended = running.filter { !$0.process.isRunning }
            running.removeAll { child in ended.contains { $0.process === child.process } }
            for child in ended {
                if child.process.terminationReason == .uncaughtSignal {
                    sweep.recordCrash("the run-point process was killed by signal \(child.process.terminationStatus); rerun the sweep to retry it", point: child.point)
                } else if child.process.terminationStatus != 0 {
                    sweep.recordCrash("the run-point process exited with status \(child.process.terminationStatus); see log.txt", point: child.point)
                }
                progress.advance()
            }
        }
        progress.finish()
        return try sweep.refresh(manifest)
    }
}

/// Runs a sweep's unfinished points as a Slurm job array: `sweep.sbatch` has one array task per
/// point (task id = point index), each running `clln sweep run-point FOLDER $SLURM_ARRAY_TASK_ID`.
public struct SlurmExecutor: Sendable {
    public var options: SlurmOptions
    /// How to start `clln sweep run-point` on the compute nodes (an absolute path they can see).
    public var launch: WorkerLaunch

    public init(options: SlurmOptions, launch: WorkerLaunch) {
        self.options = options
        self.launch = launch
    }

    /// The job-array script for the points that are not done, or nil when all are.
    public func script(_ sweep: SweepFolder, manifest: SweepManifest) -> String? {
        let pending = manifest.points.map(\.point).filter { sweep.state(of: $0) != .done }.map(\.index)
        guard !pending.isEmpty else { return nil }
        let command = ([launch.executable.path] + launch.arguments + [sweep.url.path]).map(Self.quoted).joined(separator: " ")
        var lines = [
            "#!/bin/sh",
            "# clln sweep \(manifest.name): \(pending.count) of \(manifest.points.count) points, one array task per point (task id = point index).",
            "#SBATCH --job-name=clln-sweep-\(manifest.name)",
            "#SBATCH --array=\(Self.ranges(pending))" + (options.maxParallel.map { "%\($0)" } ?? ""),
            "#SBATCH --time=\(options.time)",
            "#SBATCH --cpus-per-task=\(options.cpusPerTask)",
            "#SBATCH --mem=\(options.mem)",
        ]
        if let partition = options.partition { lines.append("#SBATCH --partition=\(partition)") }
        lines.append("#SBATCH --output=\(sweep.file("logs").path)/point-%a.log")
        lines.append("exec \(command) \"$SLURM_ARRAY_TASK_ID\" --jobs \(options.cpusPerTask)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `sweep.sbatch` and submits it with `sbatch`; returns the job id.
    public func submit(_ sweep: SweepFolder, script: String) throws -> String {
        let file = sweep.file("sweep.sbatch")
        try AtomicFile.write(script, to: file)
        try FileManager.default.createDirectory(at: sweep.file("logs"), withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable", file.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw SweepError.submission("sbatch is not on PATH: install Slurm's client commands, or use --dry-run to print \(file.path)")
        }
        guard process.terminationStatus == 0 else {
            throw SweepError.submission("sbatch failed (status \(process.terminationStatus)): \(errors.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        return String(output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first ?? "")
    }

    /// "0-3,5,7-9" for [0, 1, 2, 3, 5, 7, 8, 9].
    static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < indices.count {
            var j = i
            while j + 1 < indices.count, indices[j + 1] == indices[j] + 1 { j += 1 }
            parts.append(i == j ? "\(indices[i])" : "\(indices[i])-\(indices[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// A word for the shell, single-quoted when it needs to be.
    static func quoted(_ word: String) -> String {
        word.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+=:".contains($0) }) ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
