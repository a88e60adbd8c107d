import ArgumentParser
import CLLN
import CLLNReport
import CLLNRuns
import CLLNSweep
import Foundation

extension SweepExecutorKind: ExpressibleByArgument {}

/// `clln sweep SPEC` and its helpers `run-point`, `status`, `collect`.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep `clln train` settings: a grid, random or Latin-hypercube design, on this machine or a Slurm cluster.",
        subcommands: [SweepStartCommand.self, SweepRunPointCommand.self, SweepStatusCommand.self, SweepCollectCommand.self],
        defaultSubcommand: SweepStartCommand.self)
}

/// This executable, to start `clln sweep run-point` and `clln run-worker` processes.
private var cllnExecutable: URL { Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]) }

/// `clln sweep SPEC.yaml`: checks the spec and every point, writes the manifest, then runs the
/// points (local) or submits them as a job array (slurm).
struct SweepStartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Run a sweep spec (the default: clln sweep SPEC.yaml).")

    @Argument(help: "A sweep spec (YAML or JSON).")
    var spec: String

    @Option(help: "Output folder (default out/sweep/<spec name>).")
    var out: String?

    @Option(help: "Override the spec's executor: local or slurm.")
    var executor: SweepExecutorKind?

    @Option(help: "Local executor: cores to use (parallel points, or a point's parallel trials).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Slurm: write sweep.sbatch and print it instead of submitting it.")
    var dryRun = false

    @Option(help: "Slurm --time, e.g. 00:30:00.") var time: String?
    @Option(help: "Slurm --partition.") var partition: String?
    @Option(help: "Slurm --cpus-per-task (also each point's parallel trials).") var cpusPerTask: Int?
    @Option(help: "Slurm --mem, e.g. 2G.") var mem: String?
    @Option(help: "Slurm: at most this many array tasks at once (--array=…%N).") var maxParallel: Int?
    @Option(help: "Slurm: the clln executable as the compute nodes see it (default: this one).") var clln: String?

    @Flag(help: "Print a JSON summary.")
    var json = false

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be ≥ 1, e.g. --jobs 2") }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be ≥ 1") }
        if let maxParallel, maxParallel < 1 { throw ValidationError("--max-parallel must be ≥ 1") }
    }

    func run() throws {
        try Exit.run {
            var spec = try SweepSpec.load(spec)
            spec.executor = executor ?? spec.executor
            spec.slurm.time = time ?? spec.slurm.time
            spec.slurm.partition = partition ?? spec.slurm.partition
            spec.slurm.cpusPerTask = cpusPerTask ?? spec.slurm.cpusPerTask
            spec.slurm.mem = mem ?? spec.slurm.mem
            spec.slurm.maxParallel = maxParallel ?? spec.slurm.maxParallel
            var manifest = SweepManifest(spec: spec)
            // Every point is checked before any runs: a bad value is exit 65, not a failed point.
            for entry in manifest.points { try SweepRun(entry.point, family: spec.family, directory: spec.directory).validate() }
            let sweep = SweepFolder(URL(fileURLWithPath: out ?? "out/sweep/\(spec.name)").standardizedFileURL)
            manifest = try sweep.refresh(manifest)
            switch spec.executor {
            case .local:
                let executor = LocalExecutor(jobs: jobs, launch: WorkerLaunch(executable: cllnExecutable, arguments: ["sweep", "run-point"]))
                manifest = try executor.run(sweep, manifest: manifest)
                try SweepCollection(sweep, manifest: manifest).write(to: sweep)
                report(manifest, sweep: sweep, next: "table: \(sweep.file("table.csv").path), plots: \(sweep.file("plots").path)")
                if manifest.counts[.failed, default: 0] > 0 { throw ExitCode(70) }
            case .slurm:
                let launch = WorkerLaunch(executable: clln.map { URL(fileURLWithPath: $0) } ?? cllnExecutable, arguments: ["sweep", "run-point"])
                let slurm = SlurmExecutor(options: spec.slurm, launch: launch)
                guard let script = slurm.script(sweep, manifest: manifest) else {
                    return report(manifest, sweep: sweep, next: "every point is done: clln sweep collect \(sweep.url.path)")
                }
                if dryRun {
                    try AtomicFile.write(script, to: sweep.file("sweep.sbatch"))
                    return printOut(script)
                }
                manifest.slurmJob = try slurm.submit(sweep, script: script)
                try sweep.writeManifest(manifest)
                report(manifest, sweep: sweep, next: "submitted Slurm job \(manifest.slurmJob ?? ""); follow it with clln sweep status \(sweep.url.path)")
            }
        }
    }

    func report(_ manifest: SweepManifest, sweep: SweepFolder, next: String) {
        printOut(json ? sweepSummaryJSON(manifest, sweep: sweep) : sweepStatusText(manifest, sweep: sweep) + "\n" + next)
    }
}

/// `clln sweep run-point FOLDER K`: one point, in a child process or a Slurm array task.
struct SweepRunPointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-point", abstract: "Run point K of a sweep folder (started by the executors).")

    @Argument(help: "The sweep folder.") var folder: String
    @Argument(help: "The point's index (a Slurm array task id).") var point: Int
    @Option(help: "Parallel trials of the point.") var jobs = 1

    func run() throws {
        try Exit.run {
            let sweep = SweepFolder(URL(fileURLWithPath: folder))
            let state = try sweep.runPoint(point, jobs: max(jobs, 1), worker: WorkerLaunch(executable: cllnExecutable, arguments: ["run-worker"]))
            printOut("point \(point): \(state.rawValue)" + (state == .failed ? ": \(sweep.failure(point) ?? "")" : ""))
            if state == .failed { throw ExitCode(70) }
        }
    }
}

/// `clln sweep status FOLDER`: done, failed and pending points, from the point folders.
struct SweepStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Count a sweep's done, failed and pending points.")

    @Argument(help: "The sweep folder.") var folder: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try Exit.run {
            let sweep = SweepFolder(URL(fileURLWithPath: folder))
            let manifest = try sweep.refresh(try sweep.readManifest())
            printOut(json ? sweepSummaryJSON(manifest, sweep: sweep) : sweepStatusText(manifest, sweep: sweep))
        }
    }
}

/// `clln sweep collect FOLDER`: the table and plots of what finished.
struct SweepCollectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect", abstract: "Write table.csv, pooled.csv, table.json and plots/ of a sweep's finished points.")

    @Argument(help: "The sweep folder.") var folder: String
    @Flag(help: "Print table.json.") var json = false

    func run() throws {
        try Exit.run {
            let sweep = SweepFolder(URL(fileURLWithPath: folder))
            let manifest = try sweep.refresh(try sweep.readManifest())
            let collection = SweepCollection(sweep, manifest: manifest)
            try collection.write(to: sweep)
            if json { return printOut(String(decoding: try Data(contentsOf: sweep.file("table.json")), as: UTF8.self)) }
            var lines = [sweepStatusText(manifest, sweep: sweep)]
            for row in collection.pooled where row.trials > 0 {
                let setting = ([row.base] + collection.dimensions.filter { $0 != "base" }.map { "\($0)=\(row.parameters[$0]?.description ?? "")" })
                    .joined(separator: " ")
                let result = [row.best.map { "best \($0.description)" }, row.nearOptimal.map { "within 1%: \($0.description)" },
                              row.testMetric.map { String(format: "test metric %.4g", $0) }, row.solved.map { "solved \($0.description)" }]
                    .compactMap { $0 }.joined(separator: "; ")
                lines.append("\(setting): \(result)")
            }
            lines.append("table: \(sweep.file("table.csv").path) (pooled over seeds: pooled.csv), plots: \(sweep.file("plots").path)")
            printOut(lines.joined(separator: "\n"))
        }
    }
}

/// "sweep NAME (grid, local): 4 points: 3 done, 1 failed, 0 pending" and the failures.
func sweepStatusText(_ manifest: SweepManifest, sweep: SweepFolder) -> String {
    let counts = manifest.counts
    var lines = ["sweep \(manifest.name) (\(manifest.design.rawValue), \(manifest.executor.rawValue)"
        + (manifest.slurmJob.map { ", Slurm job \($0)" } ?? "") + "): \(manifest.points.count) points: "
        + SweepPointState.allCases.map { "\(counts[$0, default: 0]) \($0.rawValue)" }.joined(separator: ", ")]
    for entry in manifest.points where entry.status == .failed {
        let why = sweep.failure(entry.point.index)?.split(separator: "\n").first.map(String.init) ?? ""
        lines.append("point \(entry.point.index) (\(entry.point.label)) FAILED: \(why)")
    }
    return lines.joined(separator: "\n")
}

/// The `--json` summary of `clln sweep` and `clln sweep status`.
func sweepSummaryJSON(_ manifest: SweepManifest, sweep: SweepFolder) -> String {
    struct Summary: Encodable {
        var name: String
        var folder: String
        var executor: String
        var points: Int
        var done: Int
        var failed: Int
        var pending: Int
        var slurmJob: String?
        var failures: [String: String]
        enum CodingKeys: String, CodingKey { case name, folder, executor, points, done, failed, pending, slurmJob = "slurm_job", failures }
    }
    let counts = manifest.counts
    let failures = manifest.points.filter { $0.status == .failed }.map { ("\($0.point.index)", sweep.failure($0.point.index) ?? "") }
    let summary = Summary(
        name: manifest.name, folder: sweep.url.path, executor: manifest.executor.rawValue, points: manifest.points.count,
        done: counts[.done, default: 0], failed: counts[.failed, default: 0], pending: counts[.pending, default: 0],
        slurmJob: manifest.slurmJob, failures: Dictionary(uniqueKeysWithValues: failures))
    return (try? JSONOutput.encode(summary)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}
