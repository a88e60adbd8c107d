import ArgumentParser
import CLLN
import CLLNReport
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Solve the same cases with the idealized model and ngspice; report where and how much they differ.")

    @Argument(help: "A preset (four-state, navigation) or a topology file with state encodings.")
    var topology: String

    @Option(help: "SPICE model card: a name from templates/models or a .lib file.")
    var model = ModelCard.defaultName

    @Option(help: "Tie every MOSFET's bulk to ground, to its source (the edge's b end) or to its drain (its a end) (default: the card's setting).")
    var bulk: BulkTie?

    @Option(help: "Random gate vectors (uniform in the gate bounds).")
    var samples = 50

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    @Option(help: "Also validate these gates: a JSON array of gate vectors, or a trial-K.json / summary of a training run.")
    var gates: String?

    @OptionGroup var result: ResultOptions

    func validate() throws {
        if samples < 0 { throw badValue("--samples must be ≥ 0 (random gate vectors), e.g. --samples 50") }
        if samples == 0 && gates == nil { throw badValue("--samples 0 leaves nothing to compare; give --samples N or --gates FILE") }
    }

    func run() throws {
        try Exit.run {
            let t = try Topology.load(topology)
            let spice = SolverBackend(kind: .spice, model: model, bulk: bulk)
            try spice.validate()
            let card = try spice.modelCard()
            let report = try BackendComparison.run(
                topology: t, ideal: try spice.with(kind: .ideal).makeSolver(for: t), reference: try spice.makeSolver(for: t),
                model: card.name, samples: samples, seed: seed, extraGates: try gates.map(readGateVectors) ?? [])
            func line(_ name: String, _ d: BackendComparison.Difference) -> String {
                "\(name): \(d.count) cases, max |ΔV| " + String(format: "%.3g V, mean %.3g V", d.maxAbsDiff, d.meanAbsDiff)
            }
            let busiest = report.edgeSaturationFrequency.enumerated().sorted { $0.element > $1.element }.prefix(5)
            let text = ["\(t.name), model \(card.name): \(report.cases) cases",
                        line("no transistor saturated", report.unsaturated),
                        line("some transistor saturated", report.saturated),
                        "decision flips (argmax output differs): \(report.decisionFlips) of \(report.freeCases) free-phase cases",
                        "most often saturated edges: " + busiest.map { "\($0.offset) (" + String(format: "%.0f%%", 100 * $0.element) + ")" }
                            .joined(separator: ", ")].joined(separator: "\n")
            var csv = CSVTable(header: ["node", "max_abs_diff", "mean_abs_diff", "max_abs_diff_unsaturated", "max_abs_diff_saturated"])
            for n in report.nodes { csv.append([Double(n.node), n.maxAbsDiff, n.meanAbsDiff, n.maxAbsDiffUnsaturated, n.maxAbsDiffSaturated]) }
            let folder = result.out ?? "out/validate/\(t.name)-\(card.name)"
            try AtomicFile.write(csv.text, to: URL(fileURLWithPath: folder).appendingPathComponent("nodes.csv"))
            try result.emit(report, folder: folder, svgs: [
                "outputs-scatter.svg": BackendComparison.scatter(report).svg(),
                "difference-histogram.svg": BackendComparison.histogram(report).svg(),
                "saturation-network.svg": BackendComparison.networkFigure(t, frequency: report.edgeSaturationFrequency),
            ], text: text)
        }
    }
}
