import ArgumentParser
import CLLN
import CLLNReport
import CLLNRuns
import Foundation

struct CosimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cosim",
        abstract: "Q-learning with the network as a circuit in simulated time: ngspice transients with gate capacitors, the controller at phase boundaries.")

    @Argument(help: "A Q-learning preset (four-state, navigation) or a co-simulation config file (YAML/JSON).")
    var experiment: String

    @OptionGroup var backendOptions: BackendOptions
    @OptionGroup var runOptions: RunOptions

    @Option(help: "Number of trials (default: the experiment's).") var trials: Int?
    @Option(help: "Base seed; trial k draws from (seed, k), as clln train.") var seed: UInt64 = 0
    @Option(help: "Training steps T.") var steps: Int?
    @Option(help: "Output folder (default out/cosim/<name>).") var out: String?
    @Flag(help: "Print the JSON summary.") var json = false

    @Option(help: "C_g: farads per gate capacitor (default 1e-9).") var gateCapacitance: Double?
    @Option(help: "t_settle: seconds per free or clamped phase (default 1e-6).") var tSettle: Double?
    @Option(help: "t_learn: seconds of learning current per batch (default 1e-6).") var tLearn: Double?
    @Option(help: "Siemens from each gate to ground, the capacitor's leakage (default 0).") var gateLeakage: Double?
    @Option(help: "Ohms between a held source and its node (default 1e-3).") var switchResistance: Double?
    @Option(help: "Farads from each node to ground (default 1e-12).") var nodeCapacitance: Double?

    func validate() throws {
        if let trials, trials < 1 { throw badValue("--trials must be ≥ 1, e.g. --trials 10") }
        if let steps, steps < 1 { throw badValue("--steps must be ≥ 1, e.g. --steps 20000") }
        if backendOptions.backend != .ideal { throw ValidationError("clln cosim always runs on ngspice; drop --backend") }
        let flags: [(String, Double?, Bool, String)] = [
            ("--gate-capacitance", gateCapacitance, false, "1e-9"), ("--t-settle", tSettle, false, "1e-6"),
            ("--t-learn", tLearn, false, "1e-6"), ("--gate-leakage", gateLeakage, true, "0"),
            ("--switch-resistance", switchResistance, false, "1e-3"), ("--node-capacitance", nodeCapacitance, false, "1e-12"),
        ]
        for case let (flag, value?, zeroAllowed, example) in flags where !value.isFinite || value < 0 || (!zeroAllowed && value == 0) {
            throw badValue("\(flag) must be a finite number \(zeroAllowed ? "≥ 0" : "> 0") (got \(value)), e.g. \(flag) \(example)")
        }
    }

    /// The experiment and parameters: a preset with defaults, or a config file; flags override.
    func load() throws -> (QLearningExperiment, CosimParameters) {
        var e: QLearningExperiment
        var p = CosimParameters()
        if let preset = ExperimentPresets.named(experiment) {
            e = preset
        } else if FileManager.default.fileExists(atPath: experiment) {
            let url = URL(fileURLWithPath: experiment)
            let file = try CosimConfigFile.load(url)
            e = try file.resolvedExperiment(relativeTo: url.deletingLastPathComponent())
            p = file.parameters
        } else {
            throw ExperimentConfigError.unknownPreset(experiment)
        }
        e.trials = trials ?? e.trials
        e.config.steps = steps ?? e.config.steps
        p.gateCapacitance = gateCapacitance ?? p.gateCapacitance
        p.settleTime = tSettle ?? p.settleTime
        p.learnTime = tLearn ?? p.learnTime
        p.gateLeakage = gateLeakage ?? p.gateLeakage
        p.switchResistance = switchResistance ?? p.switchResistance
        p.nodeCapacitance = nodeCapacitance ?? p.nodeCapacitance
        try e.validate()
        try p.validate()
        return (e, p)
    }

    func run() throws {
        try Exit.run {
            let (e, parameters) = try load()
            let trial = CosimTrial(experiment: e, parameters: parameters, seed: seed)
            let backend = try backendOptions.solverBackend(kind: .spice)
            try trial.validate(on: backend)
            let folder = URL(fileURLWithPath: out ?? "out/cosim/\(e.name)")
            let summary = try runOptions.scheduler.run(trial, on: backend, in: RunFolder(folder))
            printOut(json ? String(decoding: try JSONOutput.encode(summary), as: UTF8.self) : human(summary, folder: folder))
            if !summary.training.failedTrials.isEmpty { throw ExitCode(70) }
        }
    }

    func human(_ s: CosimSummary, folder: URL) -> String {
        let p = s.parameters
        var lines = [String(format: "%@ co-simulated (ngspice transient): %d steps per trial; C_g %g F, t_settle %g s, t_learn %g s, "
                            + "gate leakage %g S, switch %g Ω, node capacitance %g F", s.training.preset, s.training.steps,
                            p.gateCapacitance, p.settleTime, p.learnTime, p.gateLeakage, p.switchResistance, p.nodeCapacitance)]
        let cosim = Dictionary(uniqueKeysWithValues: s.trials.map { ($0.trial, $0) })
        for t in s.training.trials {
            guard let c = cosim[t.trial] else { continue }
            lines.append(String(format: "trial %2d  policy ", t.trial) + t.policy.map(String.init).joined(separator: ",")
                + String(format: "  ratio %.4f%@  %.0f steps/s wall  %.3g s simulated/step  %.3g J/inference  %.3g J/update",
                         t.ratio, t.isBest ? " best" : "", c.stepsPerWallSecond, c.simulatedSecondsPerStep, c.energyPerInference,
                         c.energyPerUpdate))
        }
        for f in s.training.failedTrials { lines.append("trial \(f.trial) FAILED: \(f.error)") }
        lines.append("best policy in \(s.training.bestRate.description); within 1% of the optimum: \(s.training.nearOptimalRate.description)")
        lines.append("results: \(folder.path)")
        return lines.joined(separator: "\n")
    }
}
