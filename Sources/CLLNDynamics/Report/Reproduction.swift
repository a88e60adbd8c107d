import CLLNReport
import Foundation

/// `clln dynamics reproduce <figure>`: one entry per result of the paper, each writing the
/// figure's data (CSV/JSON) and SVGs that show the same thing, into `<folder>/<figure>/`.
///
/// Trainings use each task's defaults (seed 1) and the paper's iteration count where it is stated
/// and runs in minutes (``paperIterationsByDefault``; `paperScale`: wherever stated); `quick` cuts every training to
/// ``quickIterations`` iterations and the studies to a few samples (for tests: seconds, not a
/// result).
public enum Reproduction {
    /// Figure name and what it reproduces, in the paper's order.
    public static let figures: [(name: String, summary: String)] = [
        ("fig2", "linear oscillators, amplitude ×2 (reciprocal)"),
        ("fig3", "linear oscillators, lag; two-way lag non-reciprocal and its reciprocal control"),
        ("fig4", "Kuramoto allostery"),
        ("fig5", "Kuramoto synchronisation at Ω ≠ mean(ω) (non-reciprocal)"),
        ("fig6", "LIF target task on the fully connected network, local rule and gradient descent; input↔output synapses"),
        ("fig7", "LIF classification"),
        ("fig8", "Michaelis–Menten logic gates"),
        ("fig9", "generalized Lotka–Volterra target species"),
        ("fig11", "alignment vs share of symmetric couplings and vs time horizon (Appendix B)"),
        ("fig12", "Kuramoto synchronisation on a reciprocal network (Appendix C)"),
        ("fig13", "gLV attractor catalogue of untrained communities (Appendix D)"),
    ]

    /// Training iterations under `--quick`.
    public static let quickIterations = 3

    /// The iteration counts the paper states (§III.2: 60,000 for Kuramoto sync; §III.4: 100,000
    /// for the logic gates; §III.5: 10,000 for gLV); other tasks' counts are not given there.
    public static let paperIterations: [String: Int] = ["kuramoto-sync": 60_000, "mm-logic": 100_000, "glv-target": 10_000]

    /// Tasks trained at the paper's count by default: those whose run takes minutes, not most of an
    /// hour (release build, one core, measured: gLV 10,000 iterations ≈ 2–3 min; Kuramoto sync
    /// 60,000 ≈ 20 min per network; logic gates 100,000 ≈ 50 min). `paperScale` adds the rest.
    public static let paperIterationsByDefault: Set<String> = ["glv-target"]

    /// The iterations a reproduction trains `task` for.
    public static func iterations(for task: String, quick: Bool, paperScale: Bool) -> Int? {
        if quick { return quickIterations }
        guard paperScale || paperIterationsByDefault.contains(task) else { return nil }
        return paperIterations[task]
    }

    /// Runs `figure` ("all" runs every one) and returns the files written.
    /// - Throws: ``DynamicsError/invalidArgument(_:)`` naming the valid figures for an unknown
    ///   name; training and integration errors as they come.
    @discardableResult
    public static func run(
        _ figure: String, quick: Bool, paperScale: Bool = false, to folder: URL, progress: (@Sendable (String) -> Void)? = nil
    ) throws -> [URL] {
        if figure == "all" {
            return try figures.flatMap { try run($0.name, quick: quick, paperScale: paperScale, to: folder, progress: progress) }
        }
        guard figures.contains(where: { $0.name == figure }) else {
            throw DynamicsError.invalidArgument(
                "unknown figure '\(figure)'. Valid: all, \(figures.map(\.name).joined(separator: ", ")).")
        }
        progress?(figure)
        let directory = folder.appendingPathComponent(figure)
        func train(_ task: DynamicsTask, _ subfolder: String, rule: UpdateRule = .local) throws -> TrainingResult {
            let trainer = DynamicsTrainer(
                task: task, iterations: iterations(for: task.name, quick: quick, paperScale: paperScale), rule: rule,
                measuresMetrics: !quick)
            let result = try trainer.train()
            try result.writeReport(to: directory.appendingPathComponent(subfolder))
            return result
        }
        var written: [URL] = []
        switch figure {
        case "fig2": _ = try train(try DynamicsTask(name: "oscillators-amplitude"), "oscillators-amplitude")
        case "fig3":
            _ = try train(try DynamicsTask(name: "oscillators-lag"), "oscillators-lag")
            _ = try train(try DynamicsTask(name: "oscillators-two-way-lag"), "oscillators-two-way-lag")
            _ = try train(DynamicsTask.oscillatorsTwoWayLag(seed: 1, reciprocal: true), "oscillators-two-way-lag-reciprocal")
        case "fig4": _ = try train(try DynamicsTask(name: "kuramoto-allostery"), "kuramoto-allostery")
        case "fig5": _ = try train(try DynamicsTask(name: "kuramoto-sync"), "kuramoto-sync")
        case "fig12": _ = try train(try DynamicsTask.kuramotoSync(seed: 1, reciprocal: true), "kuramoto-sync-reciprocal")
        case "fig6":
            // The paper's fully connected network (an output→input synapse exists), not the task's
            // default with an afferent input: Fig. 6b is a claim about those two synapses.
            let task = DynamicsTask.lifTarget(seed: 1, afferentInput: false, supervisor: .force)
            let local = try train(task, "local"), gradient = try train(task, "gradient", rule: .gradient)
            written.append(try writeSynapses(task, [("local", local), ("gradient", gradient)], to: directory))
        case "fig7": _ = try train(try DynamicsTask(name: "lif-classify"), "lif-classify")
        case "fig8": _ = try train(try DynamicsTask(name: "mm-logic"), "mm-logic")
        case "fig9": _ = try train(try DynamicsTask(name: "glv-target"), "glv-target")
        case "fig11":
            let study = try SymmetryStudy.run(
                shares: quick ? [0, 1] : stride(from: 0.0, through: 1.0, by: 0.1).map { $0 },
                horizons: quick ? [0.5] : [0.1, 0.25, 0.5, 1, 2, 4], nodeCount: 10, samples: quick ? 2 : 40)
            written += try study.writeReport(to: directory)
        default:  // fig13
            let catalogue = try AttractorCatalogue.run(
                speciesCounts: quick ? [10] : [10, 20, 50], communities: quick ? 1 : 5, samples: quick ? 4 : 100,
                horizon: quick ? 100 : 1000)
            written += try catalogue.writeReport(to: directory)
        }
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory.path).sorted()
        return written + files.map { directory.appendingPathComponent($0) }.filter { !written.contains($0) && !$0.hasDirectoryPath }
    }

    /// `synapses.csv`: the direct input→output and feedback output→input weights of the LIF target
    /// network before and after each training (the paper's Fig. 6b claim).
    private static func writeSynapses(_ task: DynamicsTask, _ runs: [(String, TrainingResult)], to directory: URL) throws -> URL {
        guard let network = task.system as? LeakyIntegrateAndFireNetwork,
              let input = task.nodeNames.firstIndex(of: "input"), let output = task.nodeNames.firstIndex(of: "output"),
              let forward = network.synapses.firstIndex(where: { $0.target == output && $0.source == input }),
              let backward = network.synapses.firstIndex(where: { $0.target == input && $0.source == output })
        else { throw DynamicsError.invalidArgument("fig6 needs a LIF network with input↔output synapses") }
        var table = CSVTable(header: ["rule", "synapse", "initial", "final", "rank_of_abs_final_among_\(network.synapses.count)"])
        for (rule, result) in runs {
            let magnitudes = network.synapses.indices.map { abs(result.finalParameters[$0]) }.sorted(by: >)
            for (name, index) in [("W[output←input]", forward), ("W[input←output]", backward)] {
                let rank = (magnitudes.firstIndex(of: abs(result.finalParameters[index])) ?? 0) + 1
                table.append([rule, name, "\(task.initialParameters[index])", "\(result.finalParameters[index])", "\(rank)"])
            }
        }
        let url = directory.appendingPathComponent("synapses.csv")
        try AtomicFile.write(Data(table.text.utf8), to: url)
        return url
    }
}
