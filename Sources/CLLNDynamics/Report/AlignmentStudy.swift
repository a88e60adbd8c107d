import CLLNReport
import Foundation

/// How well the local update follows the gradient as a function of the nudge η: for each η,
/// the cosine cos(Δθ_local, −∇C) over `samples` independently seeded instances of a task, at
/// their initial parameters or after some local-rule training (the paper's PAR condition asks
/// for a positive mean).
public struct AlignmentStudy: Sendable, Codable {
    /// The alignment statistics at one η.
    public struct Point: Sendable, Codable {
        public var eta: Double
        public var mean: Double
        public var standardDeviation: Double
        /// Share of samples with positive alignment.
        public var positiveFraction: Double
        public var values: [Double]

        enum CodingKeys: String, CodingKey {
            case eta, mean, values
            case standardDeviation = "standard_deviation", positiveFraction = "positive_fraction"
        }
    }

    public var task: String
    public var seed: UInt64
    /// Local-rule iterations run (at the task's η) before measuring.
    public var trainingIterations: Int
    public var points: [Point]

    enum CodingKeys: String, CodingKey {
        case task, seed, points
        case trainingIterations = "training_iterations"
    }

    /// Runs the study; `progress` is called after each (η, sample) pair.
    public static func run(
        task name: String, etas: [Double], samples: Int, seed: UInt64, trainingIterations: Int = 0,
        progress: (@Sendable () -> Void)? = nil
    ) throws -> AlignmentStudy {
        guard !etas.isEmpty, etas.allSatisfy({ $0 > 0 && $0.isFinite }), samples > 0 else {
            throw DynamicsError.invalidArgument("alignment study needs positive finite η values and at least one sample")
        }
        let instances = try (0..<samples).map { sample -> (task: DynamicsTask, parameters: [Double]) in
            let task = try DynamicsTask(name: name, seed: seed &+ UInt64(sample))
            guard trainingIterations > 0 else { return (task, task.initialParameters) }
            let trainer = DynamicsTrainer(task: task, iterations: trainingIterations, measuresMetrics: false)
            return (task, try trainer.train().finalParameters)
        }
        let points = try etas.map { eta -> Point in
            let values = try instances.map { instance -> Double in
                defer { progress?() }
                return try IterationStep(task: instance.task, parameters: instance.parameters, nudge: eta).alignment
            }
            let finite = values.filter(\.isFinite)
            let mean = finite.reduce(0, +) / Double(max(1, finite.count))
            let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, finite.count - 1))
            return Point(
                eta: eta, mean: mean, standardDeviation: variance.squareRoot(),
                positiveFraction: Double(finite.filter { $0 > 0 }.count) / Double(max(1, finite.count)), values: values)
        }
        return AlignmentStudy(task: name, seed: seed, trainingIterations: trainingIterations, points: points)
    }

    /// Writes `summary.json`, `alignment.csv` and `alignment.svg` into `directory`.
    @discardableResult
    public func writeReport(to directory: URL) throws -> [URL] {
        var table = CSVTable(header: ["eta", "mean", "standard_deviation", "positive_fraction"])
        for point in points { table.append([point.eta, point.mean, point.standardDeviation, point.positiveFraction]) }
        let state = trainingIterations > 0 ? "after \(trainingIterations) iterations" : "at initialisation"
        var chart = LineChart(title: "\(task): alignment vs nudge η (\(state))", xLabel: "η", yLabel: "cos(Δθ_local, −∇C)")
        chart.xLog = true
        let etas = points.map(\.eta)
        chart.series = [
            LineSeries(name: "mean", x: etas, y: points.map(\.mean), color: ColorScale.categorical(0)),
            LineSeries(name: "mean ± s.d.", x: etas, y: points.map { $0.mean + $0.standardDeviation }, dashed: true, color: ColorScale.categorical(0)),
            LineSeries(name: "", x: etas, y: points.map { $0.mean - $0.standardDeviation }, dashed: true, color: ColorScale.categorical(0)),
        ]
        chart.horizontalLines = [ReferenceLine(value: 0, label: "")]
        let files: [(String, Data)] = [
            ("summary.json", try JSONOutput.encode(self)),
            ("alignment.csv", Data(table.text.utf8)),
            ("alignment.svg", Data(chart.svg().utf8)),
        ]
        return try writeFiles(files, to: directory)
    }
}

