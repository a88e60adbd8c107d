import CLLNReport
import Foundation

/// The data files and SVG plots of a training run.
struct TrainingPlots {
    var experiment: QLearningExperiment
    var results: [TrialResult]
    var extremes: PolicyExtremes

    func write(to folder: URL) throws {
        var curves = CSVTable(header: ["trial", "step", "running_average_reward", "policy_reward", "policy"])
        var gates = CSVTable(header: ["trial", "step"] + experiment.topology.edges.indices.map { "gate\($0)" })
        for r in results {
            for m in r.curve {
                curves.append(["\(r.trial)", "\(m.step)", "\(m.runningAverageReward)", "\(m.policyReward)",
                               m.policy.map(String.init).joined(separator: " ")])
                gates.append(["\(r.trial)", "\(m.step)"] + m.gates.map { "\($0)" })
            }
        }
        try AtomicFile.write(curves.text, to: folder.appendingPathComponent("curves.csv"))
        try AtomicFile.write(gates.text, to: folder.appendingPathComponent("gates.csv"))
        try AtomicFile.write(rewardChart().svg(), to: folder.appendingPathComponent("reward.svg"))
        if let first = results.first {
            try AtomicFile.write(gateChart(first).svg(), to: folder.appendingPathComponent("gates.svg"))
        }
        if let grid = experiment.environment as? GridNavigation, let best = results.max(by: { $0.reward < $1.reward }) {
            try AtomicFile.write(policyGrid(grid, best), to: folder.appendingPathComponent("policy.svg"))
        }
    }

    /// Running average reward vs step (log x), one line per trial; optimum and worst dashed.
    func rewardChart() -> LineChart {
        var chart = LineChart(
            title: "\(experiment.name): running average reward", xLabel: "training step", yLabel: "average reward")
        chart.xLog = true
        chart.series = results.map { r in
            let points = r.curve.filter { $0.step > 0 && $0.runningAverageReward.isFinite }
            return LineSeries(name: "trial \(r.trial)", x: points.map { Double($0.step) }, y: points.map(\.runningAverageReward))
        }
        chart.horizontalLines = [
            ReferenceLine(value: extremes.optimum, label: String(format: "optimum %.4f", extremes.optimum)),
            ReferenceLine(value: extremes.worst, label: String(format: "worst policy %.4f", extremes.worst)),
        ]
        return chart
    }

    /// Every gate voltage of one trial vs step (log x).
    func gateChart(_ r: TrialResult) -> LineChart {
        var chart = LineChart(
            title: "\(experiment.name), trial \(r.trial): gate voltages (one line per edge, coloured by edge index)",
            xLabel: "training step", yLabel: "U_G (V)")
        chart.xLog = true
        let points = r.curve.filter { $0.step > 0 }
        let edges = experiment.topology.edgeCount
        chart.series = (0..<edges).map { e in
            LineSeries(name: "", x: points.map { Double($0.step) }, y: points.map { $0.gates[e] },
                       color: ColorScale.viridis(Double(e) / Double(max(edges - 1, 1))))
        }
        let bounds = experiment.topology.gateBounds
        chart.horizontalLines = [ReferenceLine(value: bounds.lowerBound, label: "GMN"), ReferenceLine(value: bounds.upperBound, label: "GMX")]
        return chart
    }

    /// The grid with each state's greedy action as an arrow; the goal cell highlighted.
    func policyGrid(_ grid: GridNavigation, _ r: TrialResult) -> String {
        let cell = 90.0, margin = 40.0
        var canvas = SVGCanvas(width: max(2 * margin + cell * Double(grid.columns), 320), height: 2 * margin + 30 + cell * Double(grid.rows))
        canvas.text(x: margin, y: 20, "\(experiment.name), trial \(r.trial): greedy policy", size: 13, bold: true)
        canvas.text(x: margin, y: 38, "exact average reward " + String(format: "%.7f", r.reward) + " (goal cell shaded)", size: 11)
        for s in 0..<grid.stateCount {
            let (row, col) = (s % grid.rows, s / grid.rows)
            let x = margin + Double(col) * cell, y = margin + 20 + Double(row) * cell
            canvas.rect(x: x, y: y, width: cell, height: cell, fill: s == grid.goal ? "#ffe9a8" : "#f4f4f4", stroke: "#888888")
            canvas.text(x: x + 6, y: y + 16, "s\(s)", size: 11, color: "#666666")
            let center = SVGPoint(x: x + cell / 2, y: y + cell / 2)
            let (dx, dy): (Double, Double) = [(0, 1), (0, -1), (-1, 0), (1, 0)][r.policy[s]]
            canvas.arrow(from: SVGPoint(x: center.x - dx * cell * 0.25, y: center.y - dy * cell * 0.25),
                         to: SVGPoint(x: center.x + dx * cell * 0.3, y: center.y + dy * cell * 0.3), color: "#1f5fa8", width: 3)
        }
        return canvas.svg()
    }
}
