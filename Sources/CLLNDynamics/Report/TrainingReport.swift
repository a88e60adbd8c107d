import CLLNReport
import Foundation

/// The files of a training run, as the paper's figures: cost and alignment per iteration
/// (Fig. 10), trajectories before/after training, and the learned parameters.
extension TrainingResult {
    /// Writes `summary.json`, `cost_alignment.csv`, `cost_alignment.svg`, `trajectories.svg`,
    /// `parameters.json` and, for pairwise networks, `network.svg` into `directory` (created if
    /// needed); returns the files written.
    @discardableResult
    public func writeReport(to directory: URL) throws -> [URL] {
        var files: [(String, Data)] = [
            ("summary.json", try JSONOutput.encode(summary)),
            ("cost_alignment.csv", Data(costAlignmentTable.text.utf8)),
            ("cost_alignment.svg", Data(costAlignmentFigure.utf8)),
            ("trajectories.svg", Data(trajectoryFigure.utf8)),
            ("parameters.json", try JSONOutput.encode(parameterTable)),
        ]
        if let networkFigure { files.append(("network.svg", Data(networkFigure.utf8))) }
        return try writeFiles(files, to: directory)
    }

    var costAlignmentTable: CSVTable {
        var table = CSVTable(header: ["iteration", "cost", "alignment"])
        for (iteration, (cost, alignment)) in zip(costs, alignments).enumerated() {
            table.append([Double(iteration), cost, alignment])
        }
        table.append(["\(costs.count)", "\(finalCost)", ""])
        return table
    }

    /// Two stacked panels: the cost on a log axis, and cos(local, −gradient) with its mean.
    var costAlignmentFigure: String {
        let iterations = (0...costs.count).map(Double.init)
        var cost = LineChart(title: "\(task.name): cost ∫c dt (\(rule.rawValue) rule)", xLabel: "iteration", yLabel: "cost")
        cost.yLog = true
        cost.series = [LineSeries(name: "cost", x: iterations, y: costs + [finalCost], color: "#222222")]
        var alignment = LineChart(title: "alignment of the local update with −∇C", xLabel: "iteration", yLabel: "cosine")
        alignment.series = [LineSeries(name: "alignment", x: Array(iterations.dropLast()), y: alignments, color: ColorScale.categorical(0))]
        alignment.horizontalLines = [
            ReferenceLine(value: 0, label: "", dashed: false),
            ReferenceLine(value: meanAlignment, label: String(format: "mean %.3f", meanAlignment)),
        ]
        return stacked([cost.svg(), alignment.svg()], panelHeight: cost.height)
    }

    /// One panel per episode (at most four): every targeted node once, before (dashed) and after
    /// (solid) training, in its own colour (all of them: a sync task shows every oscillator).
    /// A target that holds at all times is a grey dashed line; a target at one instant (a pulse
    /// window) is a short black bar of width ±1 s.d. of the pulse at its time. Phase targets are
    /// shown as the wrapped error x − x*.
    var trajectoryFigure: String {
        let panels = zip(task.episodes, zip(before, after)).prefix(4).map { episode, runs -> String in
            var chart = LineChart(title: "\(task.name) — \(episode.name)", xLabel: "time", yLabel: "state")
            let times = runs.1.times
            var nodes: [Int] = []
            for target in episode.targets where !nodes.contains(target.node) { nodes.append(target.node) }
            for (index, node) in nodes.enumerated() {
                let color = nodes.count > 8 ? ColorScale.viridis(Double(index) / Double(nodes.count - 1)) : ColorScale.categorical(index)
                let name = task.nodeNames[node]
                let targets = episode.targets.filter { $0.node == node }
                if case .phase = targets[0].shape {
                    chart.yLabel = "phase error (rad)"
                    chart.series += [
                        LineSeries(name: "\(name) before", x: times, y: wrappedError(runs.0, targets[0]), dashed: true, color: color),
                        LineSeries(name: "\(name) after", x: times, y: wrappedError(runs.1, targets[0]), color: color),
                    ]
                    continue
                }
                chart.series += [
                    LineSeries(name: "\(name) before", x: times, y: runs.0.series(node), dashed: true, color: color),
                    LineSeries(name: "\(name) after", x: times, y: runs.1.series(node), color: color),
                ]
                for (k, target) in targets.enumerated() {
                    let label = k == 0 ? "\(name) target" : ""
                    if case .pulse(let center, let width) = target.window {
                        let value = target.signal.value(at: center)
                        chart.series.append(LineSeries(name: label, x: [center - width, center + width], y: [value, value], color: "#000000"))
                    } else {
                        chart.series.append(LineSeries(name: label, x: times, y: times.map { target.signal.value(at: $0) }, dashed: true, color: "#999999"))
                    }
                }
            }
            return chart.svg()
        }
        return stacked(panels, panelHeight: LineChart(title: "", xLabel: "", yLabel: "").height)
    }

    /// Every parameter with its name, touched nodes, and initial and final values.
    var parameterTable: [ParameterRecord] {
        (0..<finalParameters.count).map { index in
            ParameterRecord(
                name: task.system.parameterName(index), nodes: task.system.nodes(touchedBy: index),
                initial: task.initialParameters[index], final: finalParameters[index])
        }
    }

    private func wrappedError(_ run: Trajectory, _ target: Target) -> [Double] {
        (0..<run.count).map { remainder(run[$0, target.node] - target.signal.value(at: run.times[$0]), 2 * .pi) }
    }
}

/// One row of `parameters.json`.
public struct ParameterRecord: Sendable, Codable {
    public var name: String
    public var nodes: [Int]
    public var initial: Double
    public var final: Double
}

/// Writes each (file name, contents) pair atomically into `directory`; returns the URLs.
func writeFiles(_ files: [(String, Data)], to directory: URL) throws -> [URL] {
    try files.map { name, data in
        let url = directory.appendingPathComponent(name)
        try AtomicFile.write(data, to: url)
        return url
    }
}

/// Panels of equal width stacked vertically into one SVG.
func stacked(_ panels: [String], panelHeight: Double) -> String {
    let width = LineChart(title: "", xLabel: "", yLabel: "").width
    var canvas = SVGCanvas(width: width, height: panelHeight * Double(max(1, panels.count)))
    for (index, panel) in panels.enumerated() {
        canvas.embed(panel, x: 0, y: Double(index) * panelHeight)
    }
    return canvas.svg()
}
