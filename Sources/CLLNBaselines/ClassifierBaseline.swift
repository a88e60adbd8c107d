import CLLN
import CLLNRuns
import Foundation

/// The digital classifiers that a supervised CLLN task is compared with.
public enum ClassifierKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Multinomial logistic regression: one affine map from the inputs to the class scores (the
    /// best a linear classifier of the same input voltages does).
    case linear
    /// A multilayer perceptron: ReLU hidden layers between the inputs and the class scores.
    case mlp
}

/// How a digital classifier is trained: softmax cross-entropy plus an L2 penalty on the weights
/// (not the biases), minimised by Adam over shuffled minibatches (each batch's gradient clipped
/// to an L2 norm of 10, as for the Q-learning baselines).
public struct ClassifierSettings: Sendable, Codable, Hashable {
    /// Hidden layer widths (`mlp`; `linear` has none).
    public var hidden: [Int]
    public var epochs: Int
    public var learningRate: Double
    public var batchSize: Int
    /// λ of the penalty ½·λ·‖W‖² added to the mean loss of a batch.
    public var weightDecay: Double

    enum CodingKeys: String, CodingKey {
        case hidden, epochs, learningRate = "learning_rate", batchSize = "batch_size", weightDecay = "weight_decay"
    }

    public init(hidden: [Int], epochs: Int = 200, learningRate: Double = 1e-3, batchSize: Int = 32, weightDecay: Double = 1e-4) {
        self.hidden = hidden
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.weightDecay = weightDecay
    }

    /// `linear`: no hidden layer, Adam 1e-2 (its weights on inputs in [0, 1] V grow to tens, which
    /// Adam at 1e-3 leaves unreached on Iris); `mlp`: one hidden layer of 64 ReLU units (the width
    /// of `digits-hidden`'s hidden layer), Adam 1e-3. Batches of 32, λ 1e-4, and enough epochs for
    /// at least 200 passes and ``minimumSteps`` Adam steps over `trainingExamples` (digits' 1,437:
    /// 200 epochs; Iris's 120: 2,000, where 200 leave the linear classifier underfit at ~78 %).
    public static func defaults(_ kind: ClassifierKind, trainingExamples: Int) -> ClassifierSettings {
        var settings = ClassifierSettings(hidden: kind == .linear ? [] : [64], learningRate: kind == .linear ? 1e-2 : 1e-3)
        let batches = (max(trainingExamples, 1) + settings.batchSize - 1) / settings.batchSize
        settings.epochs = max(200, (minimumSteps + batches - 1) / batches)
        return settings
    }

    /// Least Adam steps of a default training.
    public static let minimumSteps = 8_000

    /// Throws ``BaselineError/invalidConfig(_:)`` naming the bad value and the fix.
    public func validate(_ kind: ClassifierKind) throws(BaselineError) {
        func check(_ ok: Bool, _ message: String) throws(BaselineError) { if !ok { throw .invalidConfig(message) } }
        try check(kind == .mlp || hidden.isEmpty, "a linear classifier has no hidden layers; use mlp for --hidden")
        try check(kind == .linear || !hidden.isEmpty, "an mlp needs at least one hidden layer, e.g. --hidden 64")
        try check(hidden.allSatisfy { (1...InputLimits.maximumLayerWidth).contains($0) },
                  "hidden layer widths must be 1 to \(InputLimits.maximumLayerWidth) (got \(hidden)), e.g. --hidden 64")
        try check((1...InputLimits.maximumEpochs).contains(epochs), "--epochs must be 1 to \(InputLimits.maximumEpochs), e.g. --epochs 200")
        try check(learningRate > 0 && learningRate < 1, "--learning-rate must be in (0, 1) (got \(learningRate)), e.g. --learning-rate 0.001")
        try check((1...100_000).contains(batchSize), "--batch must be 1 to 100000 (got \(batchSize)), e.g. --batch 32")
        try check(weightDecay >= 0 && weightDecay.isFinite, "--weight-decay must be a finite λ ≥ 0 (got \(weightDecay)), e.g. --weight-decay 0.0001")
    }
}

/// One point of a classifier's learning curve (after `epoch` epochs).
public struct ClassifierPoint: Sendable, Codable, Hashable {
    public var epoch: Int
    /// Mean softmax cross-entropy over the training set (penalty excluded).
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testAccuracy: Double

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy"
    }
}

/// What one seed of a digital classifier produced.
public struct ClassifierResult: Sendable, Codable, Hashable {
    public var seed: UInt64
    public var epochs: Int
    public var trainAccuracy: Double
    public var testAccuracy: Double
    /// Test examples classified right.
    public var testCorrect: Int
    public var curve: [ClassifierPoint]
    public var parameterCount: Int
    public var wallSeconds: Double

    enum CodingKeys: String, CodingKey {
        case seed, epochs, curve
        case trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy", testCorrect = "test_correct"
        case parameterCount = "parameters", wallSeconds = "wall_s"
    }
}

/// Trains a digital classifier on a supervised CLLN task's own data: the same input voltages
/// (encoding, rails), the same training and test sets (split and split seed), the class labels
/// of its examples. Everything is a function of (task, kind, settings, seed): the seed draws the
/// initial parameters (PyTorch's `nn.Linear` initialisation) and each epoch's order.
public struct ClassifierTrainer: Sendable {
    public var task: SupervisedTask
    public var kind: ClassifierKind
    public var settings: ClassifierSettings

    public init(task: SupervisedTask, kind: ClassifierKind, settings: ClassifierSettings) throws(BaselineError) {
        guard task.metric == .accuracy, !task.trainClasses.isEmpty, !task.classNames.isEmpty else {
            throw .unsupported("\(task.name) is not a classification task; give a classification task (iris, digits, digits-hidden, xor)")
        }
        try settings.validate(kind)
        self.task = task
        self.kind = kind
        self.settings = settings
    }

    /// The config keys that change a classification task's examples (input voltages, training
    /// and test sets); the CLLN's network, labels and training do not concern a digital classifier.
    public static let dataKeys: Set<String> = ["split", "split_seed", "pixels", "pixel_high", "rails", "shifts"]

    /// The task whose data a classifier trains on: `config` (a preset or config file) with the
    /// data keys of `dataSettings` over it; any other key there is refused, naming the data keys.
    public static func task(_ config: SupervisedConfig, dataSettings: SupervisedConfig) throws -> SupervisedTask {
        if let key = dataSettings.presentKeys.subtracting(dataKeys).sorted().first {
            throw BaselineError.invalidConfig(
                "--set \(key) sets the CLLN's network or training, not the data; drop it (a classifier baseline takes only data keys: "
                    + "\(dataKeys.sorted().joined(separator: ", ")))")
        }
        return try config.overriding(with: dataSettings).makeTask()
    }

    var sizes: [Int] { [task.train[0].inputs.count] + settings.hidden + [task.classNames.count] }

    public func run(seed: UInt64, progress: (Int) -> Void = { _ in }) -> ClassifierResult {
        let clock = ContinuousClock.now
        var rng = SeededGenerator(seed: seed)
        var network = MLP(sizes: sizes, rng: &rng)
        var adam = Adam(parameterCount: network.parameterCount, learningRate: settings.learningRate)
        let train = Self.matrix(task.train)
        let test = Self.matrix(task.test)
        let decayed = weightPositions(network)
        var curve: [ClassifierPoint] = []
        for epoch in 1...settings.epochs {
            let order = task.train.indices.shuffled(using: &rng)
            for start in stride(from: 0, to: order.count, by: settings.batchSize) {
                let rows = Array(order[start..<min(start + settings.batchSize, order.count)])
                var gradient = crossEntropyGradient(network, inputs: rows.flatMap { train[$0] }, classes: rows.map { task.trainClasses[$0] })
                let lambda = Float(settings.weightDecay)
                for k in decayed { gradient[k] += lambda * network.parameters[k] }
                adam.update(&network.parameters, gradient: gradient)
            }
            if epoch == settings.epochs || epoch % max(1, settings.epochs / 50) == 0 {
                let (trainAccuracy, trainLoss) = score(network, train, task.trainClasses)
                curve.append(ClassifierPoint(
                    epoch: epoch, trainLoss: trainLoss, trainAccuracy: trainAccuracy, testAccuracy: score(network, test, task.testClasses).accuracy))
            }
            progress(1)
        }
        let last = curve[curve.count - 1]
        return ClassifierResult(
            seed: seed, epochs: settings.epochs, trainAccuracy: last.trainAccuracy, testAccuracy: last.testAccuracy,
            testCorrect: Int((last.testAccuracy * Double(task.test.count)).rounded()), curve: curve,
            parameterCount: network.parameterCount, wallSeconds: (ContinuousClock.now - clock).seconds)
    }

    static func matrix(_ examples: [SupervisedExample]) -> [[Float]] { examples.map { $0.inputs.map(Float.init) } }

    /// Indices of every weight (not bias) in the network's parameters.
    func weightPositions(_ network: MLP) -> [Int] {
        (0..<(network.sizes.count - 1)).flatMap { l in network.offsets[l]..<(network.offsets[l] + network.sizes[l] * network.sizes[l + 1]) }
    }

    /// The gradient of the batch's mean softmax cross-entropy with respect to every parameter:
    /// per row, softmax(scores) − one-hot(class), divided by the batch size, sent back through
    /// the network.
    func crossEntropyGradient(_ network: MLP, inputs: [Float], classes: [Int]) -> [Float] {
        let batch = classes.count
        let activations = network.forward(inputs, batch: batch)
        var delta = Self.softmax(activations[activations.count - 1], width: network.outputCount)
        for (row, c) in classes.enumerated() { delta[row * network.outputCount + c] -= 1 }
        let scale = 1 / Float(batch)
        for k in delta.indices { delta[k] *= scale }
        return network.gradient(activations: activations, outputGradient: delta, batch: batch)
    }

    /// Row-wise softmax of a batch × width matrix (max subtracted first).
    static func softmax(_ scores: [Float], width: Int) -> [Float] {
        var p = scores
        for row in stride(from: 0, to: scores.count, by: width) {
            let top = scores[row..<(row + width)].max()!
            var total: Float = 0
            for k in row..<(row + width) {
                p[k] = exp(scores[k] - top)
                total += p[k]
            }
            for k in row..<(row + width) { p[k] /= total }
        }
        return p
    }

    /// Accuracy (argmax, lowest index on ties) and mean cross-entropy of `rows` with `classes`.
    func score(_ network: MLP, _ rows: [[Float]], _ classes: [Int]) -> (accuracy: Double, loss: Double) {
        let width = network.outputCount
        let scores = network.forward(rows.flatMap { $0 }, batch: rows.count).last!
        let p = Self.softmax(scores, width: width)
        var correct = 0
        var loss = 0.0
        for (row, c) in classes.enumerated() {
            let slice = scores[(row * width)..<((row + 1) * width)]
            if slice.firstIndex(of: slice.max()!)! - row * width == c { correct += 1 }
            loss -= log(max(Double(p[row * width + c]), 1e-30))
        }
        return (Double(correct) / Double(max(classes.count, 1)), loss / Double(max(classes.count, 1)))
    }
}
