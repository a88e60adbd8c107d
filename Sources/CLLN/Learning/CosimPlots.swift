import CLLNReport
import Foundation

/// The co-simulation plots of a `clln cosim` run, from one trial's ``CosimTrace``:
/// `voltages-start.svg` and `voltages-end.svg` (node voltages and gate voltages against
/// simulated time over the trial's first and last ``CosimTrace/windowSteps`` RL steps, every
/// phase marked) and `energy.svg` (joules per inference, per clamped phase and per update, batch
/// by batch over training, every trial), plus `energy.csv` with the same numbers.
struct CosimPlots {
    var topology: Topology
    var name: String
    /// The trials' results, by trial index.
    var results: [(trial: Int, result: CosimTrialResult)]

    func write(to folder: URL) throws {
        var csv = CSVTable(header: ["trial", "step", "energy_per_inference_j", "energy_per_clamped_phase_j", "energy_per_update_j"])
        for (k, r) in results {
            for b in r.trace.energy { csv.append(["\(k)", "\(b.step)", "\(b.inference)", "\(b.clamped)", "\(b.update)"]) }
        }
        try AtomicFile.write(csv.text, to: folder.appendingPathComponent("energy.csv"))
        try AtomicFile.write(energyChart().svg(), to: folder.appendingPathComponent("energy.svg"))
        guard let (k, first) = results.min(by: { $0.trial < $1.trial }) else { return }
        for (window, file, label) in [(first.trace.start, "voltages-start.svg", "first"), (first.trace.end, "voltages-end.svg", "last")] {
            try AtomicFile.write(
                Self.stacked(voltageCharts(window, title: "\(name), trial \(k), \(label) \(CosimTrace.windowSteps) RL steps")),
                to: folder.appendingPathComponent(file))
        }
    }

    /// Energy per inference, per clamped phase and per update against the batch's last step
    /// (log–log), one colour per quantity, one line per trial.
    func energyChart() -> LineChart {
        var chart = LineChart(
            title: "\(name): energy per phase, batch by batch (one line per trial)", xLabel: "training step", yLabel: "energy (J)")
        chart.xLog = true
        chart.yLog = true
        let quantities: [(String, KeyPath<CosimTrace.BatchEnergy, Double>)] = [
            ("per inference (free phase)", \.inference), ("per clamped phase", \.clamped), ("per update (learning phase)", \.update),
        ]
        for (q, (label, key)) in quantities.enumerated() {
            for (i, (_, r)) in results.enumerated() {
                chart.series.append(LineSeries(
                    name: i == 0 ? label : "", x: r.trace.energy.map { Double($0.step) }, y: r.trace.energy.map { $0[keyPath: key] },
                    color: ColorScale.categorical(q)))
            }
        }
        return chart
    }

    /// Two panels of one window: node voltages (outputs and inputs named, hidden nodes grey), and
    /// each gate's change since the window began (one line per edge); phase starts marked.
    func voltageCharts(_ window: CosimTrace.Window, title: String) -> [LineChart] {
        let time = window.time.map { $0 * 1e6 }
        let marks = window.phases.map { p in
            ReferenceLine(value: p.start * 1e6, label: "\(p.kind.rawValue) \(p.step)", dashed: p.kind == .free)
        }
        var nodes = LineChart(title: "\(title): node voltages", xLabel: "simulated time (µs)", yLabel: "V (V)")
        let outputs = Set(topology.outputs)
        let inputs = Set(topology.inputs)
        nodes.series = (0..<topology.nodeCount).map { i in
            let y = window.nodes.map { $0[i] }
            if outputs.contains(i) { return LineSeries(name: "output n\(i)", x: time, y: y) }
            if inputs.contains(i) { return LineSeries(name: "input n\(i)", x: time, y: y, dashed: true, color: "#888888") }
            return LineSeries(name: "", x: time, y: y, color: "#cccccc")
        }
        nodes.verticalLines = marks
        var gates = LineChart(
            title: "\(title): gate change since window start, per edge", xLabel: "simulated time (µs)",
            yLabel: "ΔU_G (V)")
        let edges = topology.edgeCount
        let origin = window.gates.first ?? []
        gates.series = origin.indices.map { e in
            LineSeries(name: "", x: time, y: window.gates.map { $0[e] - origin[e] },
                       color: ColorScale.viridis(Double(e) / Double(max(edges - 1, 1))))
        }
        gates.verticalLines = marks
        return [nodes, gates]
    }

    /// The charts one above the other in one SVG document.
    static func stacked(_ charts: [LineChart]) -> String {
        let width = charts.map(\.width).max() ?? 0
        var y = 0.0
        var body = ""
        for chart in charts {
            body += "<g transform=\"translate(0,\(y))\">\n\(chart.svg())</g>\n"
            y += chart.height
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(y)\" width=\"\(width)\" height=\"\(y)\">\n"
            + body + "</svg>\n"
    }
}
