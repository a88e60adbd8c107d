import CLLNReport
import Foundation

/// The data files and SVG plots of a training run.
struct TrainingPlots {
    var experiment: QLearningExperiment
    var results: [TrialResult]
    var scores: PolicyScores

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
        if let grid = experiment.environment as? GridNavigation, !results.isEmpty {
            try AtomicFile.write(policyGrids(grid), to: folder.appendingPathComponent("policy.svg"))
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
        chart.horizontalLines = [ReferenceLine(value: scores.optimum, label: String(format: "optimum %.4f", scores.optimum))]
            + (scores.worst.map { [ReferenceLine(value: $0, label: String(format: "worst policy %.4f", $0))] } ?? [])
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

    /// One grid per trial (at most ``maximumPolicyPanels``) with each state's greedy action as an
    /// arrow and the goal cell shaded; a trial more than 1% below the optimum has a red title.
    func policyGrids(_ grid: GridNavigation) -> String {
        let shown = results.sorted { $0.trial < $1.trial }.prefix(Self.maximumPolicyPanels)
        let cell = 36.0, margin = 24.0, gap = 22.0, header = 30.0
        let panelWidth = cell * Double(grid.columns), panelHeight = header + cell * Double(grid.rows)
        let columns = min(shown.count, max(1, Int((900 - 2 * margin) / (panelWidth + gap))))
        let rows = (shown.count + columns - 1) / columns
        var canvas = SVGCanvas(
            width: max(2 * margin + Double(columns) * (panelWidth + gap) - gap, 360),
            height: 2 * margin + 36 + Double(rows) * (panelHeight + gap) - gap)
        let near = results.filter { $0.reward / scores.optimum >= TrainingSummary.nearOptimalRatio }.count
        canvas.text(x: margin, y: 22, "\(experiment.name): greedy policy of each trial", size: 13, bold: true)
        canvas.text(
            x: margin, y: 40,
            "\(near) of \(results.count) within 1% of the optimum " + String(format: "%.7f", scores.optimum)
                + "; goal cell shaded" + (results.count > shown.count ? "; first \(shown.count) trials shown" : ""),
            size: 11)
        for (index, r) in shown.enumerated() {
            let left = margin + Double(index % columns) * (panelWidth + gap)
            let top = margin + 36 + Double(index / columns) * (panelHeight + gap)
            let ratio = r.reward / scores.optimum
            canvas.text(
                x: left, y: top + 18, "trial \(r.trial): " + String(format: "%.4f", ratio), size: 11,
                color: ratio >= TrainingSummary.nearOptimalRatio ? "#222222" : "#c0392b", bold: true)
            for s in 0..<grid.stateCount {
                let (row, col) = (s % grid.rows, s / grid.rows)
                let x = left + Double(col) * cell, y = top + header + Double(row) * cell
                canvas.rect(x: x, y: y, width: cell, height: cell, fill: s == grid.goal ? "#ffe9a8" : "#f4f4f4", stroke: "#888888")
                let center = SVGPoint(x: x + cell / 2, y: y + cell / 2)
                let (dx, dy): (Double, Double) = [(0, 1), (0, -1), (-1, 0), (1, 0)][r.policy[s]]
                canvas.arrow(from: SVGPoint(x: center.x - dx * cell * 0.25, y: center.y - dy * cell * 0.25),
                             to: SVGPoint(x: center.x + dx * cell * 0.3, y: center.y + dy * cell * 0.3), color: "#1f5fa8", width: 2, headLength: 6)
            }
        }
        return canvas.svg()
    }

    /// Panels drawn in `policy.svg`; larger runs show their first trials.
    static let maximumPolicyPanels = 40
}
