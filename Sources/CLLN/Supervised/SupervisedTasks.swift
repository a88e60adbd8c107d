import Foundation

/// How the digits tasks turn a pixel p ∈ 0…16 into input voltages (config key `pixels`).
public enum PixelEncoding: String, Sendable, Hashable, Codable, CaseIterable, ConfigChoice {
    public static let configKey = "pixels"
    /// One input per pixel at (p/16)·high V (64 inputs).
    case plain
    /// Two inputs per pixel: (p/16)·high V and its complement (1 − p/16)·high V (128 inputs: the
    /// 64 plain ones, then the 64 complements in the same pixel order).
    case complement
}

/// The choices that change a task's network or encoding (config keys `differential`, `margin`,
/// `hidden`, `split_seed`, `split`, and for digits `pixels`, `pixel_high`, `rails`, `shifts`); `nil` keeps the
/// task's default.
public struct TaskEncoding: Sendable, Hashable {
    public var differential: Bool?
    /// Classification label distance from the decision center (V).
    public var margin: Double?
    /// Hidden-layer sizes between inputs and outputs (iris, digits).
    public var hidden: [Int]?
    public var splitSeed: UInt64
    /// Tasks on a data set (iris, digits): how it is divided into training and test sets.
    public var split: SplitMethod?
    /// Digits: how pixels become input voltages.
    public var pixels: PixelEncoding?
    /// Digits: the voltage of a full pixel (p = 16), V.
    public var pixelHigh: Double?
    /// Digits: constant inputs (V) appended after the pixel inputs, one input node each.
    public var rails: [Double]?
    /// Digits: each training image is also trained on moved by this many one-pixel moves
    /// (``SupervisedTasks/shiftMoves``, 0…8); the test set is not augmented.
    public var shifts: Int?
    /// Layered tasks with hidden layers: also link every input straight to every output node
    /// (a skip path beside the hidden layers).
    public var skip: Bool?
    /// `lattice-teacher`: the side L of the L×L periodic lattice (2·L² edges).
    public var side: Int?

    public init(
        differential: Bool? = nil, margin: Double? = nil, hidden: [Int]? = nil, splitSeed: UInt64 = 0, split: SplitMethod? = nil,
        pixels: PixelEncoding? = nil, pixelHigh: Double? = nil, rails: [Double]? = nil, shifts: Int? = nil, skip: Bool? = nil,
        side: Int? = nil
    ) {
        self.differential = differential
        self.margin = margin
        self.hidden = hidden
        self.splitSeed = splitSeed
        self.split = split
        self.pixels = pixels
        self.pixelHigh = pixelHigh
        self.rails = rails
        self.shifts = shifts
        self.skip = skip
        self.side = side
    }
}

/// The supervised task presets: `xor`, `regression`, `iris`, `digits`, `digits-hidden`, `lattice-teacher`.
public enum SupervisedTasks {
    public static let names = ["xor", "regression", "iris", "digits", "digits-hidden", "lattice-teacher"]

    /// The config keys of ``TaskEncoding`` each preset reads (`split_seed` aside, which every
    /// preset records); a key given to a preset that does not read it is refused rather than
    /// silently ignored.
    public static let encodingKeys: [String: Set<String>] = {
        let classification: Set<String> = ["differential", "margin", "hidden", "skip", "split"]
        let digits = classification.union(["pixels", "pixel_high", "rails", "shifts"])
        return [
            "xor": ["differential", "margin"], "regression": ["differential"], "iris": classification,
            "digits": digits, "digits-hidden": digits, "lattice-teacher": ["side"],
        ]
    }()

    /// The preset `name` with `encoding`, or `nil` if there is no such preset.
    public static func named(_ name: String, encoding: TaskEncoding = TaskEncoding()) throws -> SupervisedTask? {
        switch name {
        case "xor": try xor(encoding)
        case "regression": try regression(encoding)
        case "iris": try iris(encoding)
        case "digits": try digits(encoding)
        case "digits-hidden": try digitsHidden(encoding)
        case "lattice-teacher": try latticeTeacher(encoding)
        default: nil
        }
    }

    // MARK: - XOR

    /// XOR on the 4×4 periodic lattice, laid out as in Dillavou et al. (PNAS 2024, Fig. 3A) on a
    /// 4×4 grid: operands x₁ at node 15 (row 3, col 3) and x₂ at node 13 (3, 1), each 0 or
    /// 0.45 V; fixed rails 0.11 V at node 5 (1, 1) and 0.33 V at node 7 (1, 3); output O+ at
    /// node 10 (2, 2) and, differential, O− at node 0 (0, 0). Labels ±margin around 0
    /// (differential) or 0.22 V ± margin (single-ended); class 1 when the output is above the
    /// center. Train set = test set = the four cases.
    public static func xor(_ encoding: TaskEncoding = TaskEncoding()) throws -> SupervisedTask {
        let differential = encoding.differential ?? true
        let margin = encoding.margin ?? 0.02
        let center = differential ? 0.0 : 0.22
        let high = 0.45
        let topology = Generators.lattice(
            shape: [4, 4], periodic: true, inputs: [15, 13, 5, 7], outputs: differential ? [10, 0] : [10])
        var examples: [SupervisedExample] = []
        var classes: [Int] = []
        for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let c = a ^ b
            classes.append(c)
            examples.append(SupervisedExample(
                inputs: [Double(a) * high, Double(b) * high, 0.11, 0.33], targets: [center + (c == 1 ? margin : -margin)]))
        }
        return SupervisedTask(
            name: "xor",
            summary: "XOR of two 0/0.45 V operands on the 4×4 periodic lattice (32 MOSFETs), rails 0.11 and 0.33 V, "
                + (differential ? "differential output V10 − V0" : "output V10") + ", labels \(center) ± \(margin) V",
            topology: named(topology, "xor"), train: examples, test: examples, trainClasses: classes, testClasses: classes,
            classNames: ["0", "1"], decoder: .threshold(center),
            rule: CoupledLearningRule(alpha: 10, eta: 0.5, batchSize: 1, updateClip: 0.1),
            options: SupervisedOptions(loss: .hinge, hingeCenter: center, differential: differential),
            epochs: 1000, shuffle: true, initialGates: .uniform(low: 1, high: 3), splitSeed: encoding.splitSeed)
    }

    // MARK: - Regression

    /// The smooth target curve of the regression task: y(x) = 0.1 + 0.2·sin(π x / 0.9) V on
    /// x ∈ [0, 0.45] V (rising from 0.1 V to a flat top at 0.3 V).
    public static func regressionTarget(_ x: Double) -> Double { 0.1 + 0.2 * sin(Double.pi * x / 0.9) }

    /// 1-D nonlinear regression on the 4×4 periodic lattice: input x at node 15, rails 0 V at
    /// node 5 and 0.45 V at node 7, output at node 10 (differential: V10 − V0). Training: the 8
    /// points x = 0, 0.45/7, …, 0.45 V; test: 64 points x = (j + ½)·0.45/64 V between them.
    public static func regression(_ encoding: TaskEncoding = TaskEncoding()) throws -> SupervisedTask {
        let differential = encoding.differential ?? false
        let topology = Generators.lattice(
            shape: [4, 4], periodic: true, inputs: [15, 5, 7], outputs: differential ? [10, 0] : [10])
        func example(_ x: Double) -> SupervisedExample {
            SupervisedExample(inputs: [x, 0, 0.45], targets: [regressionTarget(x)])
        }
        let train = (0..<8).map { example(0.45 * Double($0) / 7) }
        let test = (0..<64).map { example(0.45 * (Double($0) + 0.5) / 64) }
        return SupervisedTask(
            name: "regression",
            summary: "y = 0.1 + 0.2·sin(πx/0.9) V on x ∈ [0, 0.45] V from 8 points, 4×4 periodic lattice (32 MOSFETs), "
                + (differential ? "differential output V10 − V0" : "output V10"),
            topology: named(topology, "regression"), train: train, test: test,
            rule: CoupledLearningRule(alpha: 0.1, eta: 1, batchSize: 8, updateClip: 0.003),
            options: SupervisedOptions(loss: .mse, differential: differential, normalization: .adam),
            epochs: 2000, shuffle: true, initialGates: .uniform(low: 1, high: 3), evaluateEvery: 10, curveInput: 0,
            splitSeed: encoding.splitSeed)
    }

    // MARK: - Lattice teacher

    /// Allowed sides L of the `lattice-teacher` lattice (L×L nodes, 2·L² edges): 8 (128 edges) to
    /// 320 (204,800 edges).
    public static let latticeTeacherSides = 8...320

    /// Teacher–student regression on an L×L periodic lattice (default L = 100: 10,000 nodes,
    /// 20,000 MOSFETs). Four data inputs and two rails (0 and 1 V) sit on a circle of radius L/4
    /// about the centre at six equally spaced angles (data, rail, data, data, rail, data); the two
    /// outputs sit L/8 left and right of the centre. Every example's inputs are uniform in
    /// [0, 1] V; its two targets are the outputs of the *teacher*, the same lattice with gates
    /// uniform in [1.5, 3] V (``latticeTeacherGates(_:splitSeed:)``), solved on the trial's own
    /// backend and chip (``SupervisedTask/teacherParameters``; the task's stored labels are the
    /// idealized solver's, to 1e-13 V), so the task is realizable wherever it runs. The student
    /// starts from its own gates, uniform in the same range. Teacher gates and data come from
    /// `split_seed`; 16 training examples, 64 test examples; MSE. α 100 (η 0.5, batch 1, clip 0.05,
    /// 20 epochs = 320 updates) was chosen on split seed 0 and trial seed 1 at L = 100 on the
    /// idealized solver (α 1/5/20/50/100/200: test MSE ×0.52/0.23/0.075/0.024/0.012/0.007, α 200
    /// no longer falling steadily).
    public static func latticeTeacher(_ encoding: TaskEncoding = TaskEncoding()) throws -> SupervisedTask {
        let side = encoding.side ?? 100
        guard latticeTeacherSides.contains(side) else {
            throw LearningError.invalidHyperparameter(
                "side must be a whole number in \(latticeTeacherSides.lowerBound)...\(latticeTeacherSides.upperBound) (got \(side)), e.g. side: 100")
        }
        func node(_ row: Int, _ col: Int) -> Int { ((row % side + side) % side) * side + (col % side + side) % side }
        let centre = side / 2
        let radius = Double(side) / 4
        let ring = (0..<6).map { k -> Int in
            let angle = Double(k) * Double.pi / 3
            return node(centre + Int((radius * sin(angle)).rounded()), centre + Int((radius * cos(angle)).rounded()))
        }
        // Ring order: data 0, rail 0 V, data 1, data 2, rail 1 V, data 3; inputs list data first.
        let inputs = [ring[0], ring[2], ring[3], ring[5], ring[1], ring[4]]
        let outputs = [node(centre, centre - side / 8), node(centre, centre + side / 8)]
        precondition(Set(inputs + outputs).count == 8, "lattice-teacher: input and output nodes must be distinct")
        let topology = Generators.lattice(shape: [side, side], periodic: true, inputs: inputs, outputs: outputs)
        let teacherGates = latticeTeacherGates(topology, splitSeed: encoding.splitSeed)
        var rng = SeededGenerator(seed: encoding.splitSeed, stream: 0x7EAC_DA7A)
        let data = (0..<80).map { _ in (0..<4).map { _ in rng.uniform() } + [0, 1] }
        let teacher = try IdealSolver(topology: topology)
        let solutions = try teacher.solveBatch(
            parameters: teacherGates, held: data.map { HeldNodes(nodes: inputs, values: $0) }, warmStarts: [])
        let examples = zip(data, solutions).map { x, solution in
            SupervisedExample(inputs: x, targets: outputs.map { solution.voltages[$0] })
        }
        var task = SupervisedTask(
            name: "lattice-teacher",
            summary: "teacher–student regression on the \(side)×\(side) periodic lattice (\(topology.edgeCount) MOSFETs): 4 inputs "
                + "uniform in [0, 1] V and rails 0/1 V on a circle of radius L/4, 2 outputs L/8 either side of the centre, targets "
                + "from a teacher lattice with gates uniform in [1.5, 3] V solved on the trial's backend (split seed \(encoding.splitSeed)), "
                + "16 training / 64 test examples",
            topology: named(topology, "lattice-teacher"), train: Array(examples.prefix(16)), test: Array(examples.dropFirst(16)),
            rule: CoupledLearningRule(alpha: 100, eta: 0.5, batchSize: 1, updateClip: 0.05),
            options: SupervisedOptions(loss: .mse), epochs: 20, shuffle: true, initialGates: .uniform(low: 1.5, high: 3),
            evaluateEvery: 5, splitSeed: encoding.splitSeed)
        task.teacherParameters = teacherGates
        return task
    }

    /// The teacher's parameters of `lattice-teacher` on its `topology`: gates uniform in
    /// [1.5, 3] V drawn from `splitSeed` (a stream of its own, so the data draws do not move them).
    public static func latticeTeacherGates(_ topology: Topology, splitSeed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: splitSeed, stream: 0x7EAC_0E55)
        return topology.edges.map { $0.element.model.initialParameter(gate: rng.uniform(in: 1.5...3)) }
    }

    // MARK: - Iris

    /// Iris (3 species) on a layered network: 4 measurements scaled to [0, 1] V plus rails at 0 and
    /// 1 V as inputs, dense to a hidden layer of 16, dense to one output pair per class
    /// (differential: score = V(c+) − V(c−), labels ±margin, argmax) or one output per class
    /// (labels 0.5 ± margin V); multiclass hinge.
    public static func iris(_ encoding: TaskEncoding = TaskEncoding()) throws -> SupervisedTask {
        let data = try Datasets.iris()
        let ranges: [(Double, Double)] = [(4.3, 7.9), (2.0, 4.4), (1.0, 6.9), (0.1, 2.5)]
        let scaled = data.features.map { f in zip(f, ranges).map { ($0 - $1.0) / ($1.1 - $1.0) } + [0, 1] }
        return try classification(
            name: "iris", data: data, inputs: scaled, encoding: encoding, defaultHidden: [16], defaultMargin: 0.05,
            rule: CoupledLearningRule(alpha: 0.3, eta: 0.5, batchSize: 1, updateClip: 0.1),
            options: SupervisedOptions(loss: .multiclassHinge), epochs: 600,
            initialGates: .uniform(low: 1, high: 3), describe: "Iris (150 flowers, 4 features scaled to [0, 1] V + 0/1 V rails)")
    }

    // MARK: - Digits

    /// The 8×8 handwritten digits (1,797 images) on a dense input→output network: 64 pixels at
    /// pixel/16 V as inputs, every pixel linked to every output node (differential: a pair per
    /// digit, 64 × 20 = 1,280 MOSFETs; score = V(c+) − V(c−), argmax), multiclass hinge.
    public static func digits(_ encoding: TaskEncoding = TaskEncoding()) throws -> SupervisedTask {
        let data = try Datasets.digits()
        let scaled = try digitInputs(data.features, encoding: encoding)
        return try classification(
            name: "digits", data: data, inputs: scaled, encoding: encoding, defaultHidden: [], defaultMargin: 0.05,
            augmented: try digitShifts(data.features, encoding: encoding),
            rule: CoupledLearningRule(alpha: 2, eta: 1, batchSize: 1, updateClip: 0.1),
            options: SupervisedOptions(loss: .multiclassHinge), epochs: 30,
            initialGates: .uniform(low: 1, high: 4.5), describe: digitsDescription(encoding))
    }

    /// Digits at a scale worth a transistor-level run: ``digits(_:)`` with a hidden layer of 64
    /// nodes, 64→64→20 dense (64·64 + 64·20 = 5,376 MOSFETs), same encoding and split. Chosen on
    /// split seeds 7–10: labels ±0.02 V (the ±0.05 V of `digits` are beyond the score swing the
    /// two averaging layers reach, so every example stayed nudged and the gates into the outputs
    /// were pushed to their lower bound), α 12 with clip 0.05 to match, and the input→hidden
    /// edges at 10× that α (`hidden_alpha`: their updates are ~¼ of the output edges', so at one
    /// α the hidden layer barely moved and the network underfit its training set).
    public static func digitsHidden(_ encoding: TaskEncoding = TaskEncoding()) throws -> SupervisedTask {
        let data = try Datasets.digits()
        let scaled = try digitInputs(data.features, encoding: encoding)
        return try classification(
            name: "digits-hidden", data: data, inputs: scaled, encoding: encoding, defaultHidden: [64], defaultMargin: 0.02,
            augmented: try digitShifts(data.features, encoding: encoding),
            rule: CoupledLearningRule(alpha: 12, eta: 1, batchSize: 1, updateClip: 0.05),
            options: SupervisedOptions(loss: .multiclassHinge, hiddenAlphaScale: 10), epochs: 20,
            initialGates: .uniform(low: 1, high: 4.5), describe: digitsDescription(encoding))
    }

    /// "8×8 digits (1,797 images, …)" naming the pixel encoding and rails.
    static func digitsDescription(_ encoding: TaskEncoding) -> String {
        let high = encoding.pixelHigh ?? 1
        let scale = high == 1 ? "pixel/16 V" : "pixel/16·\(high) V"
        var text = "8×8 digits (1,797 images, " + (encoding.pixels == .complement ? "\(scale) and its complement" : scale)
        if let rails = encoding.rails, !rails.isEmpty { text += ", rails " + rails.map { "\($0)" }.joined(separator: "/") + " V" }
        return text + ")"
    }

    /// The input voltages of digit images (pixels 0…16) under `encoding`: per image the pixel
    /// inputs (``PixelEncoding``, full scale `pixelHigh`, default 1 V), then the constant `rails`.
    public static func digitInputs(_ images: [[Double]], encoding: TaskEncoding) throws -> [[Double]] {
        let high = encoding.pixelHigh ?? 1
        let rails = encoding.rails ?? []
        guard high > 0, high.isFinite else {
            throw LearningError.invalidHyperparameter("pixel_high must be a positive finite voltage (got \(high)), e.g. pixel_high: 1")
        }
        guard rails.allSatisfy(\.isFinite) else {
            throw LearningError.invalidHyperparameter("rails must be finite voltages (got \(rails)), e.g. rails: [0, 1]")
        }
        return images.map { image in
            let plain = image.map { $0 / 16 * high }
            switch encoding.pixels ?? .plain {
            case .plain: return plain + rails
            case .complement: return plain + plain.map { high - $0 } + rails
            }
        }
    }

    /// An 8×8 image (row-major) moved by (dx, dy) pixels (positive: right, down); pixels moved in
    /// from outside the image are 0.
    public static func shifted(_ image: [Double], dx: Int, dy: Int) -> [Double] {
        (0..<64).map { i in
            let (row, col) = (i / 8 - dy, i % 8 - dx)
            return (0..<8).contains(row) && (0..<8).contains(col) ? image[row * 8 + col] : 0
        }
    }

    /// The one-pixel moves of the `shifts` augmentation, in order: right, left, down, up, then the
    /// four diagonals (down-right, down-left, up-right, up-left).
    public static let shiftMoves = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]

    /// Per image, the encoded inputs of its first `encoding.shifts` one-pixel moves
    /// (``shiftMoves``); empty lists when `shifts` is 0 or absent.
    public static func digitShifts(_ images: [[Double]], encoding: TaskEncoding) throws -> [[[Double]]] {
        let count = encoding.shifts ?? 0
        guard (0...shiftMoves.count).contains(count) else {
            throw LearningError.invalidHyperparameter("shifts must be a whole number in 0...\(shiftMoves.count) (got \(count)), e.g. shifts: 4")
        }
        guard count > 0 else { return [] }
        return try images.map { image in
            try digitInputs(shiftMoves.prefix(count).map { shifted(image, dx: $0.0, dy: $0.1) }, encoding: encoding)
        }
    }

    /// A classification task on a layered dense network (inputs, hidden layers, outputs).
    static func classification(
        name: String, data: LabeledDataset, inputs: [[Double]], encoding: TaskEncoding, defaultHidden: [Int],
        defaultMargin: Double, augmented: [[[Double]]] = [], rule: CoupledLearningRule, options: SupervisedOptions, epochs: Int, initialGates: InitialGates,
        describe: String
    ) throws -> SupervisedTask {
        let differential = encoding.differential ?? true
        let margin = encoding.margin ?? defaultMargin
        let hidden = encoding.hidden ?? defaultHidden
        guard hidden.allSatisfy({ $0 > 0 }) else { throw LearningError.invalidHyperparameter("hidden layer sizes must be positive") }
        guard margin > 0, margin.isFinite else { throw LearningError.invalidHyperparameter("margin must be positive (got \(margin))") }
        let classCount = data.classNames.count
        let inputCount = inputs[0].count
        let outputCount = differential ? 2 * classCount : classCount
        let layers = [inputCount] + hidden + [outputCount]
        let nodeCount = layers.reduce(0, +)
        var topology = Generators.layeredDense(
            layers: layers, inputs: Array(0..<inputCount), outputs: Array((nodeCount - outputCount)..<nodeCount))
        let skip = (encoding.skip ?? false) && !hidden.isEmpty
        if skip {
            topology.edges += (0..<inputCount).flatMap { u in ((nodeCount - outputCount)..<nodeCount).map { Edge(u, $0) } }
            topology.name += "-skip"
        }
        if differential {
            // Pairs (c+, c−) adjacent in output order: outputs 2c, 2c+1.
            topology.outputs = (0..<classCount).flatMap { c in [nodeCount - outputCount + c, nodeCount - outputCount + classCount + c] }
        }
        let center = differential ? 0.0 : 0.5
        let splitMethod = encoding.split ?? .stratified
        let split = try data.split(splitMethod, testFraction: 0.2, seed: encoding.splitSeed)
        func labels(_ i: Int) -> [Double] { (0..<classCount).map { center + ($0 == data.labels[i] ? margin : -margin) } }
        func example(_ i: Int) -> SupervisedExample { SupervisedExample(inputs: inputs[i], targets: labels(i)) }
        // Augmented copies of the training examples only, after all originals (copy-major order).
        let copies = augmented.isEmpty ? 0 : augmented[0].count
        let extraTrain = (0..<copies).flatMap { c in split.train.map { SupervisedExample(inputs: augmented[$0][c], targets: labels($0)) } }
        let extraClasses = (0..<copies).flatMap { _ in split.train.map { data.labels[$0] } }
        var options = options
        options.differential = differential
        options.hingeCenter = center
        let network = layers.map(String.init).joined(separator: "→")
        return SupervisedTask(
            name: name,
            summary: "\(describe), dense \(network) network" + (skip ? " with input→output skip links" : "")
                + " (\(topology.edgeCount) MOSFETs), "
                + (differential ? "differential outputs" : "single-ended outputs")
                + ", labels ±\(margin) V, split \(split.train.count)/\(split.test.count) (\(SplitMethod.label(splitMethod, seed: encoding.splitSeed)))"
                + (copies > 0 ? ", training set augmented to \(split.train.count * (copies + 1)) by \(copies) shifted copies" : ""),
            topology: Self.named(topology, name), train: split.train.map(example) + extraTrain, test: split.test.map(example),
            trainClasses: split.train.map { data.labels[$0] } + extraClasses, testClasses: split.test.map { data.labels[$0] },
            classNames: data.classNames, decoder: .argmax, rule: rule, options: options,
            epochs: epochs, shuffle: true, initialGates: initialGates, splitSeed: encoding.splitSeed,
            splitMethod: splitMethod == .stratified ? nil : splitMethod)
    }

    private static func named(_ topology: Topology, _ task: String) -> Topology {
        var t = topology
        t.name = "\(task)-\(topology.name)"
        return t
    }
}
