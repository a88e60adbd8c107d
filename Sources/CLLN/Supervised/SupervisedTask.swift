import Foundation

/// What a task is scored on.
public enum SupervisedMetric: String, Sendable, Codable {
    /// Fraction of examples whose decoded class is right (classification).
    case accuracy
    /// Mean squared error of the logical outputs (regression).
    case mse
}

/// How the logical outputs decode to a class.
public enum ClassDecoder: Sendable, Hashable, Codable {
    /// One logical output per class: the largest wins.
    case argmax
    /// Two classes from one logical output: class 1 when it exceeds the threshold, else class 0.
    case threshold(Double)

    public func decode(_ outputs: [Double]) -> Int {
        switch self {
        case .argmax: outputs.indices.max { outputs[$0] < outputs[$1] } ?? 0
        case let .threshold(t): outputs[0] > t ? 1 : 0
        }
    }
}

/// How initial gate voltages are drawn (clipped to the gate bounds).
public enum InitialGates: Sendable, Hashable, Codable {
    case uniform(low: Double, high: Double)
    case normal(mean: Double, spread: Double)

    /// One draw per edge (every edge draws, so the stream does not depend on the elements);
    /// transistor edges get the parameter of the clipped gate voltage, other elements their
    /// default (``ElementModel/initialParameter(gate:)``).
    public func draw(for topology: Topology, rng: inout SeededGenerator) -> [Double] {
        topology.edges.map { edge in
            let gate: Double
            switch self {
            case let .uniform(low, high): gate = rng.uniform(in: low...high)
            case let .normal(mean, spread): gate = mean + spread * rng.gaussian()
            }
            let clipped = min(max(gate, topology.gateBounds.lowerBound), topology.gateBounds.upperBound)
            return edge.element.model.initialParameter(gate: clipped)
        }
    }

    public func validate() throws {
        switch self {
        case let .uniform(low, high):
            guard low.isFinite, high.isFinite, low <= high else {
                throw LearningError.invalidHyperparameter(
                    "initial_gate_low and initial_gate_high must be finite with low ≤ high (got \(low), \(high)), e.g. 1 and 3")
            }
        case let .normal(mean, spread):
            guard mean.isFinite, spread.isFinite, spread >= 0 else {
                throw LearningError.invalidHyperparameter(
                    "initial_gate_mean must be finite and initial_gate_spread finite and ≥ 0 (got \(mean), \(spread)), e.g. 1.5 and 0.1")
            }
        }
    }

    public var description: String {
        switch self {
        case let .uniform(low, high): "uniform in [\(low), \(high)] V"
        case let .normal(mean, spread): "\(mean) + \(spread)·N(0,1) V"
        }
    }
}

/// A supervised task: network, encoded data split into training and test sets, and the
/// hyperparameters that make it learn.
public struct SupervisedTask: Sendable, Codable {
    public var name: String
    /// One line: data, network, encoding.
    public var summary: String
    public var topology: Topology
    public var train: [SupervisedExample]
    public var test: [SupervisedExample]
    /// Classification: the class of every training / test example, and the class names.
    /// Regression: empty.
    public var trainClasses: [Int]
    public var testClasses: [Int]
    public var classNames: [String]
    public var decoder: ClassDecoder
    public var rule: CoupledLearningRule
    /// α of the last epoch (config key `alpha_final`): α falls geometrically from `rule.alpha`
    /// in epoch 1 to this in the last epoch (``alpha(epoch:)``); `nil` keeps α constant.
    public var alphaFinal: Double?
    public var options: SupervisedOptions
    public var epochs: Int
    public var shuffle: Bool
    public var initialGates: InitialGates
    public var trials: Int
    /// Evaluate both sets every this many epochs (and after the last).
    public var evaluateEvery: Int
    /// Regression: the input whose voltage is the curve's x coordinate (for the curve plot).
    public var curveInput: Int?
    /// The seed of the train/test split (classification data).
    public var splitSeed: UInt64
    /// How the data set was divided when not by the default ``SplitMethod/stratified`` (`nil` for
    /// that default and for generated examples, so a task, and a run folder's recorded settings,
    /// read as they did before the choice existed).
    public var splitMethod: SplitMethod?
    /// Teacher–student tasks: the teacher's parameters (one per edge). A trial labels both sets
    /// with the teacher's free outputs on its own backend and chip, so the task is realizable
    /// there; `train` and `test` hold the idealized solver's labels.
    public var teacherParameters: [Double]?

    public init(
        name: String, summary: String, topology: Topology, train: [SupervisedExample], test: [SupervisedExample],
        trainClasses: [Int] = [], testClasses: [Int] = [], classNames: [String] = [], decoder: ClassDecoder = .argmax,
        rule: CoupledLearningRule, options: SupervisedOptions, epochs: Int, shuffle: Bool = true,
        initialGates: InitialGates, trials: Int = 1, evaluateEvery: Int = 1, curveInput: Int? = nil, splitSeed: UInt64 = 0,
        splitMethod: SplitMethod? = nil
    ) {
        self.name = name
        self.summary = summary
        self.topology = topology
        self.train = train
        self.test = test
        self.trainClasses = trainClasses
        self.testClasses = testClasses
        self.classNames = classNames
        self.decoder = decoder
        self.rule = rule
        self.options = options
        self.epochs = epochs
        self.shuffle = shuffle
        self.initialGates = initialGates
        self.trials = trials
        self.evaluateEvery = evaluateEvery
        self.curveInput = curveInput
        self.splitSeed = splitSeed
        self.splitMethod = splitMethod
    }

    public var metric: SupervisedMetric { classNames.isEmpty ? .mse : .accuracy }

    /// α of training epoch `epoch` (1…`epochs`): `rule.alpha`·(alphaFinal/rule.alpha)^((epoch − 1)/(epochs − 1)),
    /// so `rule.alpha` in epoch 1 and `alphaFinal` in the last (with one epoch, `rule.alpha`);
    /// `rule.alpha` throughout without `alphaFinal`.
    public func alpha(epoch: Int) -> Double {
        guard let final = alphaFinal, epochs > 1 else { return rule.alpha }
        let progress = Double(min(max(epoch, 1), epochs) - 1) / Double(epochs - 1)
        return rule.alpha * pow(final / rule.alpha, progress)
    }

    /// Checks that the pieces fit together.
    public func validate() throws {
        try topology.validate()
        try rule.validate()
        try options.validate()
        try initialGates.validate()
        if let final = alphaFinal, !(final > 0 && final.isFinite && rule.alpha > 0) {
            throw LearningError.invalidHyperparameter(
                "alpha_final must be a positive finite learning rate with alpha > 0 (got alpha_final \(final), alpha \(rule.alpha)), e.g. alpha_final: 0.5")
        }
        guard (0...InputLimits.maximumEpochs).contains(epochs) else {
            throw LearningError.invalidHyperparameter("epochs must be a whole number in 0...\(InputLimits.maximumEpochs) (got \(epochs)), e.g. epochs: 200")
        }
        guard (1...InputLimits.maximumTrials).contains(trials) else {
            throw LearningError.invalidHyperparameter("trials must be a whole number in 1...\(InputLimits.maximumTrials) (got \(trials)), e.g. trials: 5")
        }
        guard evaluateEvery >= 1 else {
            throw LearningError.invalidHyperparameter("eval_every must be ≥ 1 epoch (got \(evaluateEvery)), e.g. eval_every: 1")
        }
        guard !train.isEmpty, !test.isEmpty else { throw LearningError.mismatch("the task needs training and test examples") }
        if let teacher = teacherParameters { try topology.validateParameters(teacher) }
        if metric == .accuracy {
            guard trainClasses.count == train.count, testClasses.count == test.count else {
                throw LearningError.mismatch("every example of a classification task needs its class")
            }
        }
    }

    /// Loss, metric and decoded classes of a set from its logical outputs.
    public func score(outputs: [[Double]], examples: [SupervisedExample], classes: [Int]) -> SetScore {
        let n = Double(max(examples.count, 1))
        let loss = zip(outputs, examples).reduce(0.0) { $0 + SupervisedClamp.loss(outputs: $1.0, labels: $1.1.targets, options: options) } / n
        switch metric {
        case .mse:
            let mse = zip(outputs, examples).reduce(0.0) { total, pair in
                total + zip(pair.0, pair.1.targets).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(pair.0.count, 1))
            } / n
            return SetScore(loss: loss, metric: mse, predicted: [])
        case .accuracy:
            let predicted = outputs.map(decoder.decode)
            let correct = zip(predicted, classes).filter { $0 == $1 }.count
            return SetScore(loss: loss, metric: Double(correct) / n, predicted: predicted)
        }
    }
}

/// Loss and metric of one set of examples.
public struct SetScore: Sendable, Hashable, Codable {
    public var loss: Double
    public var metric: Double
    /// Classification: the decoded class of every example.
    public var predicted: [Int]
}
