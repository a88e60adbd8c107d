import ArgumentParser
import CLLN
import CLLNRuns
import Foundation

extension SolverBackend.Kind: ExpressibleByArgument {}
extension BulkTie: ExpressibleByArgument {}

/// Options shared by every command that solves: backend, model card and chip.
struct BackendOptions: ParsableArguments {
    @Option(help: "Solver backend: ideal (native Newton) or spice (ngspice in-process).")
    var backend: SolverBackend.Kind = .ideal

    @Option(help: "SPICE model card: a name from templates/models or a .lib file (spice backend; default nmos-ideal).")
    var model: String?

    @Option(help: "Tie every MOSFET's bulk to ground, to its source (the edge's b end) or to its drain (its a end) (default: the card's setting).")
    var bulk: BulkTie?

    @Option(help: "A chip: JSON with sigma_vto, sigma_kp, seed, twin, read_noise (device mismatch and read noise).")
    var mismatch: String?

    @Option(help: "σ of per-device threshold shifts (V).") var sigmaVto: Double?
    @Option(help: "Relative σ of per-device drive strength KP.") var sigmaKp: Double?
    @Option(help: "Seed of the device draws (the chip).") var chipSeed: UInt64?
    @Flag(help: "Run the clamped phase on a twin network (separate device draws).") var twin = false
    @Option(help: "σ of Gaussian read noise on measured voltages (V).") var readNoise: Double?

    /// The backend these flags describe (of `kind` when given), validated: a bad chip file or
    /// value, or an unreadable model card, throws bad input before any work.
    func solverBackend(kind: SolverBackend.Kind? = nil) throws -> SolverBackend {
        if kind == nil, backend == .ideal, model != nil || bulk != nil {
            throw badValue(
                "--model and --bulk choose ngspice's device card and its wiring, which the idealized backend does not have: "
                    + "add --backend spice, or drop them")
        }
        var chip = try mismatch.map { try ChipSpec.load(URL(fileURLWithPath: $0)) } ?? ChipSpec()
        chip.sigmaThreshold = sigmaVto ?? chip.sigmaThreshold
        chip.sigmaGain = sigmaKp ?? chip.sigmaGain
        chip.seed = chipSeed ?? chip.seed
        chip.twin = chip.twin || twin
        chip.readNoise = readNoise ?? chip.readNoise
        // A model file path is made absolute so that worker processes find the same card.
        let name = model ?? ModelCard.defaultName
        let card = FileManager.default.fileExists(atPath: name) ? URL(fileURLWithPath: name).path : name
        let backend = SolverBackend(kind: kind ?? backend, model: card, bulk: bulk, chip: chip)
        try backend.validate()
        return backend
    }
}

/// Options of every command that runs trials through the run layer.
struct RunOptions: ParsableArguments {
    @Option(help: "Parallel trials (threads for ideal, worker processes for spice).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Continue an interrupted run from its checkpoints and finished trials.")
    var resume = false

    func validate() throws {
        if jobs < 1 { throw badValue("--jobs must be ≥ 1, e.g. --jobs 2") }
    }

    /// The run layer's scheduler; SPICE workers are this executable's `run-worker` command.
    var scheduler: RunScheduler {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return RunScheduler(jobs: jobs, resume: resume, worker: WorkerLaunch(executable: executable, arguments: ["run-worker"]))
    }
}

/// `clln run-worker ORDER TRIAL` (hidden): one trial of a run in a worker process.
struct RunWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-worker", abstract: "Runs one trial of a worker order (started by the run layer).", shouldDisplay: false)

    @Argument var order: String
    @Argument var trial: Int

    func run() throws {
        try Exit.run { try RunWorker.main(order: order, trial: trial, kinds: CLLNRunKinds.all) }
    }
}
