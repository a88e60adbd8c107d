import Foundation

/// What one run of the autonomous circuit learned (``AutonomousRunner``).
public struct AutonomousRunResult: Sendable, Codable {
    public var task: String
    public var model: String
    public var settings: AutonomousSettings
    /// `accuracy` (fraction of test cases correct) or `mse` (V², mean over test points).
    public var metric: String
    public var testMetric: Double
    /// Classification: test cases correct, of ``testCount``.
    public var correct: Int?
    public var testCount: Int
    /// The free copy's logical outputs per test example at the end of its presentation.
    public var testOutputs: [[Double]]
    public var testTargets: [[Double]]
    /// Per epoch: the metric of the training set from the free outputs at the end of each
    /// example's presentation during that epoch (the gates still moving: an online score).
    public var trainMetricPerEpoch: [Double]
    public var initialGates: [Double]
    public var finalGates: [Double]
    /// Simulated seconds (training plus the test sequence) and the training part.
    public var simulatedSeconds: Double
    public var trainingSeconds: Double
    public var wallSeconds: Double
    /// Accepted ngspice time points.
    public var timePoints: Int

    enum CodingKeys: String, CodingKey {
        case task, model, settings, metric, testMetric = "test_metric", correct, testCount = "test_count"
        case testOutputs = "test_outputs", testTargets = "test_targets", trainMetricPerEpoch = "train_metric_per_epoch"
        case initialGates = "initial_gates", finalGates = "final_gates", simulatedSeconds = "simulated_s"
        case trainingSeconds = "training_s", wallSeconds = "wall_s", timePoints = "time_points"
    }
}

/// Gate voltages against simulated time, thinned to at most ``AutonomousRunner/tracePoints``
/// points (every accepted point until then, then one per equal share of the run).
public struct AutonomousTrace: Sendable {
    public var times: [Double] = []
    /// Per time: every gate, in edge order.
    public var gates: [[Double]] = []
}

/// Runs a compiled ``AutonomousCircuit`` in process on the project's ngspice engine (one
/// transient analysis, `run` of the netlist's own `.tran`, no `.control` block) and reads what
/// it learned from the accepted time points: the logical outputs at the end of every training and
/// test example (linearly interpolated when a point does not land on it; the PWL corners make
/// ngspice land on them), and the gates.
public enum AutonomousRunner {
    /// Points kept in the gate trace.
    public static let tracePoints = 2000

    /// Runs `circuit`; `progress(fraction)` is called as simulated time advances (from the
    /// engine's callback thread, inside its lock: it must not call the engine).
    public static func run(
        _ circuit: AutonomousCircuit, engine: NgspiceEngine? = nil, progress: ((Double) -> Void)? = nil
    ) throws -> (result: AutonomousRunResult, trace: AutonomousTrace) {
        let engine = try engine ?? NgspiceEngine.shared()
        let start = ContinuousClock.now
        let netlist = circuit.netlist(control: false)
        let observer = Observer(circuit: circuit, progress: progress)
        let log: [String] = try engine.withLock {
            let id = try engine.loadCircuit(netlist.lines, probe: "@cg0[capacitance]")
            defer { try? engine.removeCircuit(id) }
            return try engine.transient("run", observer: observer)
        }
        guard observer.lastTime >= circuit.stopTime * (1 - 1e-9), observer.finalGates.allSatisfy(\.isFinite) else {
            throw SpiceError.transientStopped(at: observer.lastTime, of: circuit.stopTime, log: log)
        }
        let task = circuit.supervised
        let test = task.score(outputs: observer.testOutputs, examples: task.test, classes: task.testClasses)
        let n = task.train.count
        let perEpoch = stride(from: 0, to: observer.trainOutputs.count - n + 1, by: n).map { first in
            task.score(outputs: Array(observer.trainOutputs[first..<(first + n)]), examples: task.train, classes: task.trainClasses).metric
        }
        let result = AutonomousRunResult(
            task: circuit.task.rawValue, model: circuit.model.name, settings: circuit.settings, metric: task.metric.rawValue,
            testMetric: test.metric,
            correct: task.metric == .accuracy ? zip(test.predicted, task.testClasses).filter { $0 == $1 }.count : nil,
            testCount: task.test.count, testOutputs: observer.testOutputs, testTargets: task.test.map(\.targets),
            trainMetricPerEpoch: perEpoch, initialGates: circuit.initialGates, finalGates: observer.finalGates,
            simulatedSeconds: observer.lastTime, trainingSeconds: circuit.trainingTime, wallSeconds: (ContinuousClock.now - start).seconds,
            timePoints: observer.points)
        return (result, observer.trace)
    }

    /// Collects readings at the example ends and the gate trace.
    private final class Observer: TransientObserver {
        let circuit: AutonomousCircuit
        let progress: ((Double) -> Void)?
        /// Reading times: every training example's end, then every test example's.
        let readTimes: [Double]
        let trainReads: Int
        var nextRead = 0
        var timeIndex = -1
        var gateIndex: [Int] = []
        var outputIndex: [Int] = []
        var previous: [Double] = []
        var lastTime = -Double.infinity
        var points = 0
        var trainOutputs: [[Double]] = []
        var testOutputs: [[Double]] = []
        var finalGates: [Double] = []
        var trace = AutonomousTrace()
        var nextTraceTime = 0.0
        var nextProgress = 0.0

        init(circuit: AutonomousCircuit, progress: ((Double) -> Void)?) {
            self.circuit = circuit
            self.progress = progress
            let s = circuit.supervised
            let train = (0..<circuit.settings.epochs).flatMap { epoch in s.train.indices.map { circuit.trainingTime(epoch: epoch, example: $0) } }
            trainReads = train.count
            readTimes = train + s.test.indices.map(circuit.testTime)
        }

        func begin(vectors: [String]) {
            func bare(_ name: String) -> String {
                let n = name.lowercased()
                return n.hasPrefix("v(") && n.hasSuffix(")") ? String(n.dropFirst(2).dropLast()) : n
            }
            let index = Dictionary(vectors.enumerated().map { (bare($1), $0) }, uniquingKeysWith: { first, _ in first })
            timeIndex = index["time"] ?? -1
            gateIndex = circuit.gateNodes.map { index[$0] ?? -1 }
            outputIndex = circuit.logicalOutputVectors.map { index[$0] ?? -1 }
        }

        func accept(_ values: [Double]) {
            guard timeIndex >= 0 else { return }
            let time = values[timeIndex]
            points += 1
            let tolerance = 1e-9 * circuit.settings.exampleTime
            while nextRead < readTimes.count, time >= readTimes[nextRead] - tolerance {
                let target = readTimes[nextRead]
                let outputs = outputIndex.map { i -> Double in
                    guard i >= 0 else { return .nan }
                    guard !previous.isEmpty, time > target + tolerance, time > lastTime else { return values[i] }
                    let w = (target - lastTime) / (time - lastTime)
                    return previous[i] + w * (values[i] - previous[i])
                }
                if nextRead < trainReads { trainOutputs.append(outputs) } else { testOutputs.append(outputs) }
                nextRead += 1
            }
            let gates = gateIndex.map { $0 >= 0 ? values[$0] : .nan }
            if time >= nextTraceTime {
                trace.times.append(time)
                trace.gates.append(gates)
                nextTraceTime = time + circuit.stopTime / Double(AutonomousRunner.tracePoints)
            }
            finalGates = gates
            if let progress, time >= nextProgress {
                progress(time / circuit.stopTime)
                nextProgress = time + circuit.stopTime / 200
            }
            previous = values
            lastTime = time
        }

        func externalValue(source: UnsafeMutablePointer<CChar>, current: Bool) -> Double { .nan }
        func limitStep(time: Double, delta: inout Double) {}
    }
}
