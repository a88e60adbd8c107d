import CLLNReport
import Foundation

/// The files of an autonomous-circuit run (`clln compile --circuit autonomous --run`):
/// `summary.json` (the ``AutonomousRunResult``), `gates.csv` / `gates.svg` (every gate against
/// simulated time), `training.csv` / `training.svg` (the training set's online metric per
/// epoch), `test.csv` and `test.svg` (the free outputs per test example against their labels; for
/// regression against the input, with the target curve).
public struct AutonomousReport {
    public var circuit: AutonomousCircuit
    public var result: AutonomousRunResult
    public var trace: AutonomousTrace

    public init(circuit: AutonomousCircuit, result: AutonomousRunResult, trace: AutonomousTrace) {
        self.circuit = circuit
        self.result = result
        self.trace = trace
    }

    public func write(to folder: URL) throws {
        func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
        try AtomicFile.write(try JSONOutput.encode(result), to: file("summary.json"))
        let edges = circuit.supervised.topology.edges.indices
        var gates = CSVTable(header: ["time_s"] + edges.map { "g\($0)" })
        for (t, row) in zip(trace.times, trace.gates) { gates.append([t] + row) }
        try AtomicFile.write(gates.text, to: file("gates.csv"))
        var gateChart = LineChart(
            title: "autonomous \(result.task): gate voltages in simulated time (one line per edge)", xLabel: "simulated time (ms)",
            yLabel: "gate (V)")
        gateChart.series = edges.map { e in
            LineSeries(name: "", x: trace.times.map { $0 * 1e3 }, y: trace.gates.map { $0[e] }, color: ColorScale.categorical(e))
        }
        gateChart.verticalLines = [ReferenceLine(value: result.trainingSeconds * 1e3, label: "training ends")]
        try AtomicFile.write(gateChart.svg(), to: file("gates.svg"))

        var training = CSVTable(header: ["epoch", "train_\(result.metric)"])
        for (i, m) in result.trainMetricPerEpoch.enumerated() { training.append([Double(i + 1), m]) }
        try AtomicFile.write(training.text, to: file("training.csv"))
        var trainingChart = LineChart(
            title: "autonomous \(result.task): training-set \(result.metric) per epoch (free outputs as each example ends)",
            xLabel: "epoch", yLabel: result.metric == "mse" ? "MSE (V²)" : "accuracy")
        trainingChart.yLog = result.metric == "mse"
        trainingChart.series = [LineSeries(
            name: "", x: result.trainMetricPerEpoch.indices.map { Double($0 + 1) }, y: result.trainMetricPerEpoch)]
        try AtomicFile.write(trainingChart.svg(), to: file("training.svg"))

        let test = circuit.supervised.test
        var table = CSVTable(
            header: ["example"] + (0..<(test.first?.inputs.count ?? 0)).map { "input_\($0)" } + ["output", "target"])
        for (k, example) in test.enumerated() {
            table.append([Double(k)] + example.inputs + [result.testOutputs[k][0], result.testTargets[k][0]])
        }
        try AtomicFile.write(table.text, to: file("test.csv"))
        try AtomicFile.write(testChart(), to: file("test.svg"))
    }

    /// Regression: output and target against the input; classification: output and label per case.
    private func testChart() -> String {
        let test = circuit.supervised.test
        if result.metric == "mse" {
            var chart = LineChart(
                title: String(format: "autonomous %@: learned curve (test MSE %.3g V²)", result.task, result.testMetric),
                xLabel: "input x (V)", yLabel: "output (V)")
            let x = test.map { $0.inputs[0] }
            chart.series = [
                LineSeries(name: "target", x: x, y: result.testTargets.map { $0[0] }, dashed: true),
                LineSeries(name: "circuit (free output after training)", x: x, y: result.testOutputs.map { $0[0] }),
            ]
            return chart.svg()
        }
        let cases = test.map { $0.inputs.prefix(2).map { String(format: "%.2f", $0) }.joined(separator: ", ") }
        return BarChart(
            title: "autonomous \(result.task): free output per test case after training (\(result.correct ?? 0) of \(result.testCount) correct)",
            yLabel: "output (V)", categories: cases,
            groups: [BarGroup(name: "output", values: result.testOutputs.map { $0[0] }),
                     BarGroup(name: "label", values: result.testTargets.map { $0[0] })]
        ).svg()
    }
}
