import CLLNReport
import Foundation

/// The data files and SVG plots of a supervised run.
struct SupervisedPlots {
    var task: SupervisedTask
    var results: [SupervisedTrialResult]

    var metricName: String { task.metric.rawValue }

    func write(to folder: URL) throws {
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        try AtomicFile.write(epochTable().text, to: file("epochs.csv"))
        try AtomicFile.write(gateTable().text, to: file("gates.csv"))
        try AtomicFile.write(predictionTable().text, to: file("predictions.csv"))
        try AtomicFile.write(lossChart().svg(), to: file("loss.svg"))
        switch task.metric {
        case .accuracy:
            try AtomicFile.write(accuracyChart().svg(), to: file("accuracy.svg"))
            let matrix = confusion()
            var csv = CSVTable(header: ["true \\ predicted"] + task.classNames)
            for (c, row) in matrix.enumerated() { csv.append([task.classNames[c]] + row.map(String.init)) }
            try AtomicFile.write(csv.text, to: file("confusion.csv"))
            try AtomicFile.write(confusionChart(matrix).svg(), to: file("confusion.svg"))
        case .mse where task.curveInput != nil:
            try AtomicFile.write(curveChart().svg(), to: file("curve.svg"))
        case .mse:
            try AtomicFile.write(parityChart().svg(), to: file("parity.svg"))
        }
    }

    /// One row per trial and evaluated epoch.
    func epochTable() -> CSVTable {
        var csv = CSVTable(header: ["trial", "epoch", "train_loss", "train_\(metricName)", "test_loss", "test_\(metricName)",
                                    "nudged", "train_s", "eval_s"])
        for r in results {
            for h in r.history {
                csv.append(["\(r.trial)", "\(h.epoch)", "\(h.trainLoss)", "\(h.trainMetric)", "\(h.testLoss)", "\(h.testMetric)",
                            "\(h.nudged)", "\(h.trainSeconds)", "\(h.evalSeconds)"])
            }
        }
        return csv
    }

    func gateTable() -> CSVTable {
        var csv = CSVTable(header: ["trial", "stage"] + task.topology.edges.indices.map { "gate\($0)" })
        for r in results {
            csv.append(["\(r.trial)", "initial"] + r.initialGates.map { "\($0)" })
            csv.append(["\(r.trial)", "final"] + r.finalGates.map { "\($0)" })
        }
        return csv
    }

    /// The test set's outputs after training: class and prediction, or x and target.
    func predictionTable() -> CSVTable {
        let width = results.first?.testOutputs.first?.count ?? 0
        let outputs = (0..<width).map { "output\($0)" }
        var csv: CSVTable
        switch task.metric {
        case .accuracy:
            csv = CSVTable(header: ["trial", "example", "class", "predicted"] + outputs)
            for r in results {
                for (i, out) in r.testOutputs.enumerated() {
                    csv.append(["\(r.trial)", "\(i)", task.classNames[task.testClasses[i]], task.classNames[r.testPredicted[i]]]
                        + out.map { "\($0)" })
                }
            }
        case .mse:
            csv = CSVTable(header: ["trial", "example", "x"] + (0..<width).map { "target\($0)" } + outputs)
            for r in results {
                for (i, out) in r.testOutputs.enumerated() {
                    let x = task.curveInput.map { task.test[i].inputs[$0] } ?? .nan
                    csv.append(["\(r.trial)", "\(i)", "\(x)"] + targets(r)[i].map { "\($0)" } + out.map { "\($0)" })
                }
            }
        }
        return csv
    }

    /// The test labels trial `r` was scored on (its backend's teacher outputs, or the task's).
    func targets(_ r: SupervisedTrialResult) -> [[Double]] { r.testTargets ?? task.test.map(\.targets) }

    /// One solid (training set) and one dashed (test set) curve per trial of a per-epoch score.
    private func historyChart(
        title: String, yLabel: String, train: KeyPath<SupervisedEpochRecord, Double>, test: KeyPath<SupervisedEpochRecord, Double>
    ) -> LineChart {
        var chart = LineChart(title: title, xLabel: "epoch", yLabel: yLabel)
        for (index, r) in results.enumerated() {
            let color = ColorScale.categorical(index)
            let epochs = r.history.map { Double($0.epoch) }
            chart.series.append(LineSeries(name: seriesName(r, "train"), x: epochs, y: r.history.map { $0[keyPath: train] }, color: color))
            chart.series.append(LineSeries(
                name: seriesName(r, "test"), x: epochs, y: r.history.map { $0[keyPath: test] }, dashed: true, color: color))
        }
        return chart
    }

    private func seriesName(_ r: SupervisedTrialResult, _ set: String) -> String {
        results.count == 1 ? set : (r.trial < 6 ? "trial \(r.trial) \(set)" : "")
    }

    /// Training and test loss vs epoch (log y), dashed for the test set.
    func lossChart() -> LineChart {
        var chart = historyChart(
            title: "\(task.name): \(task.options.loss.displayName) loss", yLabel: "loss (V²)", train: \.trainLoss, test: \.testLoss)
        chart.yLog = true
        return chart
    }

    /// Training and test accuracy vs epoch, dashed for the test set.
    func accuracyChart() -> LineChart {
        var chart = historyChart(title: "\(task.name): accuracy", yLabel: "accuracy", train: \.trainMetric, test: \.testMetric)
        chart.horizontalLines = [
            ReferenceLine(value: 1, label: "all correct"),
            ReferenceLine(value: 1 / Double(max(task.classNames.count, 1)), label: "chance"),
        ]
        return chart
    }

    /// Test-set counts, rows = true class, columns = predicted, summed over trials.
    func confusion() -> [[Int]] {
        let n = task.classNames.count
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        for r in results {
            for (truth, predicted) in zip(task.testClasses, r.testPredicted) { matrix[truth][predicted] += 1 }
        }
        return matrix
    }

    func confusionChart(_ matrix: [[Int]]) -> Heatmap {
        let accuracy = results.isEmpty ? Double.nan : results.map(\.testMetric).reduce(0, +) / Double(results.count)
        var map = Heatmap(
            title: "\(task.name): test acc. " + String(format: "%.2f%%", 100 * accuracy),
            rowLabels: task.classNames, columnLabels: task.classNames, values: matrix.map { $0.map(Double.init) })
        map.xLabel = results.count > 1 ? "predicted (\(results.count) trials)" : "predicted"
        map.yLabel = "true"
        return map
    }

    /// Regression without a curve input: every test output against its label, before training
    /// (grey) and after (one colour per trial), as plus signs, with the diagonal y = x.
    func parityChart() -> LineChart {
        var chart = LineChart(title: "\(task.name): test outputs against their labels", xLabel: "label (V)", yLabel: "output (V)")
        let labels = results.flatMap { targets($0).flatMap { $0 } }
        let (low, high) = (labels.min() ?? 0, labels.max() ?? 1)
        chart.series.append(LineSeries(name: "y = x", x: [low, high], y: [low, high], dashed: true, color: "#222222"))
        let size = 0.006 * max(high - low, 1e-6)
        func marks(_ r: SupervisedTrialResult, _ outputs: [[Double]]) -> (x: [Double], y: [Double]) {
            Self.plusSigns(x: targets(r).flatMap { $0 }, y: outputs.flatMap { $0 }, size: size)
        }
        if let first = results.first {
            let before = marks(first, first.initialTestOutputs)
            chart.series.append(LineSeries(name: "before training", x: before.x, y: before.y, color: "#aaaaaa"))
        }
        for (index, r) in results.enumerated() {
            let after = marks(r, r.testOutputs)
            chart.series.append(LineSeries(
                name: results.count == 1 ? "learned" : (index < 6 ? "trial \(r.trial)" : ""), x: after.x, y: after.y,
                color: ColorScale.categorical(index)))
        }
        return chart
    }

    /// Regression: the target curve (dashed), the network's output before training (grey) and
    /// after (one line per trial) on the test grid, and the training points.
    func curveChart() -> LineChart {
        let input = task.curveInput ?? 0
        let x = task.test.map { $0.inputs[input] }
        var chart = LineChart(title: "\(task.name): learned vs target", xLabel: "input x (V)", yLabel: "output (V)")
        chart.series.append(LineSeries(name: "target", x: x, y: task.test.map { $0.targets[0] }, dashed: true, color: "#222222"))
        if let first = results.first {
            chart.series.append(LineSeries(
                name: "before training", x: x, y: first.initialTestOutputs.map { $0[0] }, dashed: true, color: "#aaaaaa"))
        }
        for (index, r) in results.enumerated() {
            chart.series.append(LineSeries(
                name: results.count == 1 ? "learned" : (index < 6 ? "trial \(r.trial)" : ""), x: x, y: r.testOutputs.map { $0[0] },
                color: ColorScale.categorical(index)))
        }
        // Training points as plus signs.
        let all = x + task.train.map { $0.inputs[input] }
        let size = 0.012 * ((all.max() ?? 1) - (all.min() ?? 0))
        let points = Self.plusSigns(x: task.train.map { $0.inputs[input] }, y: task.train.map { $0.targets[0] }, size: size)
        chart.series.append(LineSeries(name: "training points", x: points.x, y: points.y, color: "#d62728"))
        return chart
    }

    /// A plus sign of half-width `size` at every point (x[i], y[i]) as one line series' data: two
    /// short segments each, separated by NaN.
    static func plusSigns(x: [Double], y: [Double], size: Double) -> (x: [Double], y: [Double]) {
        var px: [Double] = [], py: [Double] = []
        for (cx, cy) in zip(x, y) {
            px += [cx - size, cx + size, .nan, cx, cx, .nan]
            py += [cy, cy, .nan, cy - size, cy + size, .nan]
        }
        return (px, py)
    }
}
