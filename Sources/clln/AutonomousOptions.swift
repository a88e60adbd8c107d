import ArgumentParser
import CLLN
import CLLNReport
import Foundation

/// `clln compile --circuit autonomous`: the task and circuit values, and `--run` (simulate the
/// compiled netlist in process and report what it learned).
struct AutonomousOptions: ParsableArguments {
    @Option(help: "Autonomous circuit: the supervised task, xor or regression.") var task: String?
    @Option(help: "Autonomous circuit: passes over the training set (default: xor 200, regression 2000).") var epochs: Int?
    @Option(help: "Autonomous circuit: learning rate α (default: xor 10, regression 5).") var alpha: Double?
    @Option(help: "Autonomous circuit: nudge η in (0, 1] (default: xor 0.5, regression 1).") var eta: Double?
    @Option(help: "Autonomous circuit: largest gate move per example, V (default: xor 0.1, regression 0.01).") var clip: Double?
    @Option(help: "Autonomous circuit: C_g, farads per gate capacitor (default 1e-9).") var gateCapacitance: Double?
    @Option(help: "Autonomous circuit: t_settle, seconds of ramp between examples (default 1e-7).") var tSettle: Double?
    @Option(help: "Autonomous circuit: t_learn, seconds each example is held (default 1e-6).") var tLearn: Double?
    @Option(help: "Autonomous circuit: seed of the initial gates (as clln train <task> --seed S, trial 0; default 0).") var seed: UInt64?
    @Flag(help: "Autonomous circuit: simulate it in process and write the results under --out.") var run = false
    @Flag(help: "With --run: print the JSON summary.") var json = false

    var isUsed: Bool {
        task != nil || epochs != nil || alpha != nil || eta != nil || clip != nil || gateCapacitance != nil || tSettle != nil
            || tLearn != nil || seed != nil || run || json
    }

    /// Checks the flags of `--circuit autonomous` (called by `CompileCommand.validate()` in that
    /// case only; not `validate()`, which ArgumentParser would run for every compile).
    func check() throws {
        guard let task else { throw ValidationError("--circuit autonomous needs --task xor|regression") }
        if AutonomousTask(rawValue: task) == nil {
            throw badValue("--task must be one of \(AutonomousTask.allCases.map(\.rawValue).joined(separator: ", ")) (got \(task)), e.g. --task xor")
        }
        if json && !run { throw ValidationError("--json prints the summary of --run; add --run") }
        if let epochs, epochs < 1 || epochs > InputLimits.maximumEpochs {
            throw badValue("--epochs must be a whole number in 1…\(InputLimits.maximumEpochs) (got \(epochs)), e.g. --epochs 1000")
        }
        let flags: [(String, Double?, String)] = [
            ("--alpha", alpha, "10"), ("--clip", clip, "0.1"), ("--gate-capacitance", gateCapacitance, "1e-9"),
            ("--t-settle", tSettle, "1e-7"), ("--t-learn", tLearn, "1e-6"),
        ]
        for case let (flag, value?, example) in flags where !value.isFinite || value <= 0 {
            throw badValue("\(flag) must be a finite number > 0 (got \(value)), e.g. \(flag) \(example)")
        }
        if let eta, !(eta.isFinite && eta > 0 && eta <= 1) { throw badValue("--eta must lie in (0, 1] (got \(eta)), e.g. --eta 0.5") }
    }

    /// The circuit: the task's defaults, the flags over them.
    func circuit(model: String) throws -> AutonomousCircuit {
        let task = try AutonomousCircuit.task(named: task ?? "")
        var s = AutonomousSettings.defaults(for: task)
        s.epochs = epochs ?? s.epochs
        s.alpha = alpha ?? s.alpha
        s.eta = eta ?? s.eta
        s.updateClip = clip ?? s.updateClip
        s.gateCapacitance = gateCapacitance ?? s.gateCapacitance
        s.settleTime = tSettle ?? s.settleTime
        s.learnTime = tLearn ?? s.learnTime
        s.seed = seed ?? s.seed
        return try AutonomousCircuit(task: task, settings: s, model: try ModelCard.named(model))
    }

    func run(model: String, out: String?) throws {
        let circuit = try circuit(model: model)
        let netlist = circuit.netlist()
        guard run else {
            if let out { try AtomicFile.write(netlist.text, to: URL(fileURLWithPath: out)) } else { printOut(netlist.text) }
            return
        }
        let folder = URL(fileURLWithPath: out ?? "out/autonomous/\(circuit.task.rawValue)")
        try AtomicFile.write(netlist.text, to: folder.appendingPathComponent("autonomous-\(circuit.task.rawValue).cir"))
        let bar = ProgressBar(total: 1000, label: "autonomous \(circuit.task.rawValue) (simulated time)")
        var shown = 0
        let (result, trace) = try AutonomousRunner.run(circuit) { fraction in
            let now = Int(fraction * 1000)
            if now > shown { bar.advance(by: now - shown); shown = now }
        }
        bar.finish()
        try AutonomousReport(circuit: circuit, result: result, trace: trace).write(to: folder)
        printOut(json ? String(decoding: try JSONOutput.encode(result), as: UTF8.self) : human(result, circuit: circuit, folder: folder))
    }

    func human(_ r: AutonomousRunResult, circuit: AutonomousCircuit, folder: URL) -> String {
        var lines = [String(format: "autonomous %@ on %@: %d epochs in one .tran, %.4g s simulated, %.1f s wall, %d time points",
                            r.task, r.model, r.settings.epochs, r.simulatedSeconds, r.wallSeconds, r.timePoints)]
        for (k, example) in circuit.supervised.test.enumerated() where r.metric == "accuracy" || k % 8 == 0 {
            lines.append("  input " + example.inputs.map { String(format: "%.3f", $0) }.joined(separator: " ")
                + String(format: " V -> output %+.4f V (label %+.4f V)", r.testOutputs[k][0], r.testTargets[k][0]))
        }
        if let correct = r.correct {
            lines.append("correct: \(correct) of \(r.testCount)" + (correct == r.testCount ? " (learned)" : " (not learned)"))
        } else {
            lines.append(String(format: "test MSE: %.3g V^2 over %d points", r.testMetric, r.testCount))
        }
        lines.append("results: \(folder.path)")
        return lines.joined(separator: "\n")
    }
}
