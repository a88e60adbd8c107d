import Foundation
import Yams

/// A supervised config that cannot be read.
public enum SupervisedConfigError: Error, CustomStringConvertible, Equatable {
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .malformed(path, reason): "\(path) is not a valid supervised config: \(reason)"
        }
    }
}

/// A supervised task named on the command line: a preset, or a config file (a `task` key).
public struct SupervisedTaskReference: Sendable, Hashable {
    /// The preset name, or the config file's name without extension (names the output folder).
    public var name: String
    public var file: URL?

    /// The config: the file's content, or just the preset.
    public func config() throws -> SupervisedConfig {
        guard let file else { return SupervisedConfig(task: name) }
        return try SupervisedConfig.load(file)
    }
}

/// Option keys of a supervised config, each optional: present keys override a task's options.
public struct SupervisedOptionOverrides: Sendable, Hashable, Codable {
    public enum Overclamp: Sendable, Hashable {
        case off
        case rails(OverclampRails)
    }

    public var loss: SupervisedLoss?
    public var hingeCenter: Double?
    public var differential: Bool?
    public var overclamp: Overclamp?
    public var errorWeightExponent: Double?
    public var normalization: UpdateNormalization?
    public var adamBeta1: Double?
    public var adamBeta2: Double?
    public var adamEpsilon: Double?
    public var adamStep: Double?
    public var updateExponent: Double?
    public var hiddenAlphaScale: Double?
    public var hingeNudge: Double?

    public init() {}

    typealias CodingKeys = SupervisedOptions.CodingKeys
    static var keys: [String] { CodingKeys.allCases.map(\.stringValue) }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        loss = try c.decodeIfPresent(SupervisedLoss.self, forKey: .loss)
        hingeCenter = try c.decodeIfPresent(Double.self, forKey: .hingeCenter)
        differential = try c.decodeIfPresent(Bool.self, forKey: .differential)
        if c.contains(.overclamp) {
            if try c.decodeNil(forKey: .overclamp) {
                overclamp = .off
            } else {
                let rails = try c.decode([Double].self, forKey: .overclamp)
                guard rails.count == 2 else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .overclamp, in: c, debugDescription: "overclamp takes two rails [low, high] (got \(rails.count) values)")
                }
                overclamp = .rails(OverclampRails(low: rails[0], high: rails[1]))
            }
        }
        errorWeightExponent = try c.decodeIfPresent(Double.self, forKey: .errorWeightExponent)
        normalization = try c.decodeIfPresent(UpdateNormalization.self, forKey: .normalization)
        adamBeta1 = try c.decodeIfPresent(Double.self, forKey: .adamBeta1)
        adamBeta2 = try c.decodeIfPresent(Double.self, forKey: .adamBeta2)
        adamEpsilon = try c.decodeIfPresent(Double.self, forKey: .adamEpsilon)
        adamStep = try c.decodeIfPresent(Double.self, forKey: .adamStep)
        updateExponent = try c.decodeIfPresent(Double.self, forKey: .updateExponent)
        hiddenAlphaScale = try c.decodeIfPresent(Double.self, forKey: .hiddenAlphaScale)
        hingeNudge = try c.decodeIfPresent(Double.self, forKey: .hingeNudge)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(loss, forKey: .loss)
        try c.encodeIfPresent(hingeCenter, forKey: .hingeCenter)
        try c.encodeIfPresent(differential, forKey: .differential)
        switch overclamp {
        case .none: break
        case .off?: try c.encodeNil(forKey: .overclamp)
        case let .rails(r)?: try c.encode([r.low, r.high], forKey: .overclamp)
        }
        try c.encodeIfPresent(errorWeightExponent, forKey: .errorWeightExponent)
        try c.encodeIfPresent(normalization, forKey: .normalization)
        try c.encodeIfPresent(adamBeta1, forKey: .adamBeta1)
        try c.encodeIfPresent(adamBeta2, forKey: .adamBeta2)
        try c.encodeIfPresent(adamEpsilon, forKey: .adamEpsilon)
        try c.encodeIfPresent(adamStep, forKey: .adamStep)
        try c.encodeIfPresent(updateExponent, forKey: .updateExponent)
        try c.encodeIfPresent(hiddenAlphaScale, forKey: .hiddenAlphaScale)
        try c.encodeIfPresent(hingeNudge, forKey: .hingeNudge)
    }

    /// `other`'s present keys over these.
    public func overriding(with other: SupervisedOptionOverrides) -> SupervisedOptionOverrides {
        var r = self
        r.loss = other.loss ?? loss
        r.hingeCenter = other.hingeCenter ?? hingeCenter
        r.differential = other.differential ?? differential
        r.overclamp = other.overclamp ?? overclamp
        r.errorWeightExponent = other.errorWeightExponent ?? errorWeightExponent
        r.normalization = other.normalization ?? normalization
        r.adamBeta1 = other.adamBeta1 ?? adamBeta1
        r.adamBeta2 = other.adamBeta2 ?? adamBeta2
        r.adamEpsilon = other.adamEpsilon ?? adamEpsilon
        r.adamStep = other.adamStep ?? adamStep
        r.updateExponent = other.updateExponent ?? updateExponent
        r.hiddenAlphaScale = other.hiddenAlphaScale ?? hiddenAlphaScale
        r.hingeNudge = other.hingeNudge ?? hingeNudge
        return r
    }

    /// Applies the present keys to `options`.
    public func apply(to options: inout SupervisedOptions) {
        options.loss = loss ?? options.loss
        options.hingeCenter = hingeCenter ?? options.hingeCenter
        options.differential = differential ?? options.differential
        switch overclamp {
        case .none: break
        case .off?: options.overclamp = nil
        case let .rails(r)?: options.overclamp = r
        }
        options.errorWeightExponent = errorWeightExponent ?? options.errorWeightExponent
        options.normalization = normalization ?? options.normalization
        options.adam.beta1 = adamBeta1 ?? options.adam.beta1
        options.adam.beta2 = adamBeta2 ?? options.adam.beta2
        options.adam.epsilon = adamEpsilon ?? options.adam.epsilon
        options.adam.step = adamStep ?? options.adam.step
        options.updateExponent = updateExponent ?? options.updateExponent
        options.hiddenAlphaScale = hiddenAlphaScale ?? options.hiddenAlphaScale
        options.hingeNudge = hingeNudge ?? options.hingeNudge
    }
}

/// A supervised training configuration (YAML or JSON): a task preset plus overrides. Every key
/// but `task` is optional; unknown keys are an error:
/// ```yaml
/// task: iris              # xor | regression | iris | digits | digits-hidden | lattice-teacher
/// epochs: 200
/// trials: 5
/// split_seed: 0           # train/test split
/// split: scikit-learn     # iris, digits: stratified (ours) | scikit-learn (its train_test_split's sets)
/// shuffle: true
/// alpha: 0.5              # learning rate α
/// alpha_final: 0.05       # α of the last epoch: α decays geometrically from alpha (epoch 1)
/// eta: 0.5                # nudge η
/// batch: 1                # B
/// clip: 0.1               # DGC
/// loss: hinge             # mse | hinge
/// differential: true
/// margin: 0.05            # classification labels: center ± margin
/// hidden: [8]             # hidden layers (iris, digits)
/// pixels: complement      # digits: plain | complement (pixel and high − pixel)
/// pixel_high: 1           # digits: volts of a full pixel
/// rails: [0, 1]           # digits: constant inputs after the pixels
/// shifts: 4               # digits: train also on 4 one-pixel moves of each training image
/// skip: true              # with hidden layers: also link every input to every output
/// side: 100               # lattice-teacher: L of the L×L periodic lattice (2·L² edges)
/// overclamp: [0, 1]       # rails, or null
/// error_weight: 1         # |error|^p per example
/// normalization: none     # none | batch | adam
/// adam_beta1: 0.6
/// update_exponent: 0      # (U_G − GMN)^q
/// hidden_alpha: 1         # α factor of the edges not touching an output node
/// gate_bounds: [1, 5.5]   # [GMN, GMX]: the gates' clip range (V)
/// initial_gate_low: 1     # uniform initial gates ...
/// initial_gate_high: 3
/// # initial_gate_mean: 1.5, initial_gate_spread: 0.1   ... or normal ones
/// eval_every: 1
/// ```
public struct SupervisedConfig: Sendable, Codable {
    public var task: String?
    public var epochs: Int?
    public var trials: Int?
    public var splitSeed: UInt64?
    public var split: SplitMethod?
    public var shuffle: Bool?
    public var alpha: Double?
    public var alphaFinal: Double?
    public var eta: Double?
    public var batch: Int?
    public var clip: Double?
    public var margin: Double?
    public var hidden: [Int]?
    public var pixels: PixelEncoding?
    public var pixelHigh: Double?
    public var rails: [Double]?
    public var shifts: Int?
    public var skip: Bool?
    public var side: Int?
    public var gateBounds: [Double]?
    public var initialGateLow: Double?
    public var initialGateHigh: Double?
    public var initialGateMean: Double?
    public var initialGateSpread: Double?
    public var evaluateEvery: Int?
    public var options = SupervisedOptionOverrides()

    public init(task: String? = nil) {
        self.task = task
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case task, epochs, trials, splitSeed = "split_seed", split, shuffle, alpha, alphaFinal = "alpha_final", eta, batch, clip, margin, hidden
        case pixels, pixelHigh = "pixel_high", rails, shifts, skip, side, gateBounds = "gate_bounds"
        case initialGateLow = "initial_gate_low", initialGateHigh = "initial_gate_high"
        case initialGateMean = "initial_gate_mean", initialGateSpread = "initial_gate_spread", evaluateEvery = "eval_every"
    }

    /// Every key a config may hold.
    public static var keys: [String] { CodingKeys.allCases.map(\.stringValue) + SupervisedOptionOverrides.keys }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(in: decoder, known: Self.keys, what: "a supervised config")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decodeIfPresent(String.self, forKey: .task)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
        trials = try c.decodeIfPresent(Int.self, forKey: .trials)
        splitSeed = try c.decodeIfPresent(UInt64.self, forKey: .splitSeed)
        split = try c.decodeIfPresent(SplitMethod.self, forKey: .split)
        shuffle = try c.decodeIfPresent(Bool.self, forKey: .shuffle)
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha)
        alphaFinal = try c.decodeIfPresent(Double.self, forKey: .alphaFinal)
        eta = try c.decodeIfPresent(Double.self, forKey: .eta)
        batch = try c.decodeIfPresent(Int.self, forKey: .batch)
        clip = try c.decodeIfPresent(Double.self, forKey: .clip)
        margin = try c.decodeIfPresent(Double.self, forKey: .margin)
        hidden = try c.decodeIfPresent([Int].self, forKey: .hidden)
        pixels = try c.decodeIfPresent(PixelEncoding.self, forKey: .pixels)
        pixelHigh = try c.decodeIfPresent(Double.self, forKey: .pixelHigh)
        rails = try c.decodeIfPresent([Double].self, forKey: .rails)
        shifts = try c.decodeIfPresent(Int.self, forKey: .shifts)
        skip = try c.decodeIfPresent(Bool.self, forKey: .skip)
        side = try c.decodeIfPresent(Int.self, forKey: .side)
        gateBounds = try c.decodeIfPresent([Double].self, forKey: .gateBounds)
        initialGateLow = try c.decodeIfPresent(Double.self, forKey: .initialGateLow)
        initialGateHigh = try c.decodeIfPresent(Double.self, forKey: .initialGateHigh)
        initialGateMean = try c.decodeIfPresent(Double.self, forKey: .initialGateMean)
        initialGateSpread = try c.decodeIfPresent(Double.self, forKey: .initialGateSpread)
        evaluateEvery = try c.decodeIfPresent(Int.self, forKey: .evaluateEvery)
        options = try SupervisedOptionOverrides(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(task, forKey: .task)
        try c.encodeIfPresent(epochs, forKey: .epochs)
        try c.encodeIfPresent(trials, forKey: .trials)
        try c.encodeIfPresent(splitSeed, forKey: .splitSeed)
        try c.encodeIfPresent(split, forKey: .split)
        try c.encodeIfPresent(shuffle, forKey: .shuffle)
        try c.encodeIfPresent(alpha, forKey: .alpha)
        try c.encodeIfPresent(alphaFinal, forKey: .alphaFinal)
        try c.encodeIfPresent(eta, forKey: .eta)
        try c.encodeIfPresent(batch, forKey: .batch)
        try c.encodeIfPresent(clip, forKey: .clip)
        try c.encodeIfPresent(margin, forKey: .margin)
        try c.encodeIfPresent(hidden, forKey: .hidden)
        try c.encodeIfPresent(pixels, forKey: .pixels)
        try c.encodeIfPresent(pixelHigh, forKey: .pixelHigh)
        try c.encodeIfPresent(rails, forKey: .rails)
        try c.encodeIfPresent(shifts, forKey: .shifts)
        try c.encodeIfPresent(skip, forKey: .skip)
        try c.encodeIfPresent(side, forKey: .side)
        try c.encodeIfPresent(gateBounds, forKey: .gateBounds)
        try c.encodeIfPresent(initialGateLow, forKey: .initialGateLow)
        try c.encodeIfPresent(initialGateHigh, forKey: .initialGateHigh)
        try c.encodeIfPresent(initialGateMean, forKey: .initialGateMean)
        try c.encodeIfPresent(initialGateSpread, forKey: .initialGateSpread)
        try c.encodeIfPresent(evaluateEvery, forKey: .evaluateEvery)
        try options.encode(to: encoder)
    }

    /// The keys this config gives, as it encodes them (absent ones are not written).
    public var presentKeys: Set<String> {
        (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(self)) as? [String: Any]).map { Set($0.keys) } ?? []
    }

    /// `other`'s present keys over these.
    public func overriding(with other: SupervisedConfig) -> SupervisedConfig {
        var r = self
        r.task = other.task ?? task
        r.epochs = other.epochs ?? epochs
        r.trials = other.trials ?? trials
        r.splitSeed = other.splitSeed ?? splitSeed
        r.split = other.split ?? split
        r.shuffle = other.shuffle ?? shuffle
        r.alpha = other.alpha ?? alpha
        r.alphaFinal = other.alphaFinal ?? alphaFinal
        r.eta = other.eta ?? eta
        r.batch = other.batch ?? batch
        r.clip = other.clip ?? clip
        r.margin = other.margin ?? margin
        r.hidden = other.hidden ?? hidden
        r.pixels = other.pixels ?? pixels
        r.pixelHigh = other.pixelHigh ?? pixelHigh
        r.rails = other.rails ?? rails
        r.shifts = other.shifts ?? shifts
        r.skip = other.skip ?? skip
        r.side = other.side ?? side
        r.gateBounds = other.gateBounds ?? gateBounds
        r.initialGateLow = other.initialGateLow ?? initialGateLow
        r.initialGateHigh = other.initialGateHigh ?? initialGateHigh
        r.initialGateMean = other.initialGateMean ?? initialGateMean
        r.initialGateSpread = other.initialGateSpread ?? initialGateSpread
        r.evaluateEvery = other.evaluateEvery ?? evaluateEvery
        r.options = options.overriding(with: other.options)
        return r
    }

    /// Reads a config file.
    public static func load(_ url: URL) throws -> SupervisedConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopologyFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decodeConfig(data, path: url.path)
    }

    /// Settings given as `KEY=VALUE` strings (values in YAML syntax: `loss=hinge`,
    /// `overclamp=[0, 0.45]`, `hidden=[16]`).
    public static func parse(settings: [String]) throws -> SupervisedConfig {
        guard !settings.isEmpty else { return SupervisedConfig() }
        var lines: [String] = []
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1)
            if parts.count == 1, setting.hasSuffix("=") {
                throw LearningError.invalidHyperparameter("--set \(setting) gives \(parts[0]) no value; write --set \(parts[0])=VALUE")
            }
            guard parts.count == 2, !parts[0].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw LearningError.invalidHyperparameter("--set \(setting) must look like KEY=VALUE, e.g. --set loss=hinge")
            }
            lines.append("\(parts[0].trimmingCharacters(in: .whitespaces)): \(parts[1])")
        }
        return try decodeConfig(Data(lines.joined(separator: "\n").utf8), path: "--set")
    }

    private static func decodeConfig(_ data: Data, path: String) throws -> SupervisedConfig {
        try decodeFile(data, path: path) { SupervisedConfigError.malformed(path: path, reason: $0) }
    }

    /// A task name (`xor`, `regression`, `iris`, `digits`) or the path of a config file with a
    /// `task` key; `nil` for anything else (a Q-learning preset or config file). Reads only the
    /// `task` key: ``SupervisedTaskReference/config()`` reads the whole file.
    public static func resolve(_ nameOrPath: String) -> SupervisedTaskReference? {
        if SupervisedTasks.names.contains(nameOrPath) { return SupervisedTaskReference(name: nameOrPath, file: nil) }
        guard FileManager.default.fileExists(atPath: nameOrPath),
            let data = FileManager.default.contents(atPath: nameOrPath)
        else { return nil }
        // A `task` key of any type marks a supervised config (a wrong type is reported when it is read).
        struct TaskKey: Decodable {
            var present: Bool
            init(from decoder: Decoder) throws {
                present = (try? decoder.container(keyedBy: AnyCodingKey.self).contains(AnyCodingKey(stringValue: "task"))) ?? false
            }
        }
        guard let probe: TaskKey = try? decodeFile(data, path: nameOrPath), probe.present else { return nil }
        let url = URL(fileURLWithPath: nameOrPath)
        return SupervisedTaskReference(name: url.deletingPathExtension().lastPathComponent, file: url)
    }

    /// The task this config describes: the preset with every present key applied, validated.
    public func makeTask() throws -> SupervisedTask {
        guard let name = task else {
            throw LearningError.invalidHyperparameter("a supervised config needs \"task\" (\(SupervisedTasks.names.joined(separator: ", ")))")
        }
        if let margin, !(margin > 0 && margin.isFinite) {
            throw LearningError.invalidHyperparameter("margin must be a positive finite voltage (got \(margin)), e.g. margin: 0.05")
        }
        if let hidden, let width = hidden.first(where: { !(1...InputLimits.maximumLayerWidth).contains($0) }) {
            throw LearningError.invalidHyperparameter(
                "hidden layer sizes must be whole numbers in 1...\(InputLimits.maximumLayerWidth) (got \(width)), e.g. hidden: [8]")
        }
        if let readable = SupervisedTasks.encodingKeys[name] {
            let present = presentKeys
            let encodingKeys = SupervisedTasks.encodingKeys.values.reduce(Set<String>()) { $0.union($1) }
            if let key = present.intersection(encodingKeys).subtracting(readable).sorted().first {
                let users = SupervisedTasks.names.filter { SupervisedTasks.encodingKeys[$0]?.contains(key) == true }
                throw LearningError.invalidHyperparameter(
                    "\(key) does not apply to the \(name) task (it applies to \(users.joined(separator: ", "))); drop it from the config or --set")
            }
        }
        let encoding = TaskEncoding(
            differential: options.differential, margin: margin, hidden: hidden, splitSeed: splitSeed ?? 0, split: split,
            pixels: pixels, pixelHigh: pixelHigh, rails: rails, shifts: shifts, skip: skip, side: side)
        guard var t = try SupervisedTasks.named(name, encoding: encoding) else {
            throw LearningError.invalidHyperparameter(
                "unknown supervised task \"\(name)\"; use \(SupervisedTasks.names.joined(separator: ", "))")
        }
        t.epochs = epochs ?? t.epochs
        t.trials = trials ?? t.trials
        t.shuffle = shuffle ?? t.shuffle
        t.rule = t.rule.overriding(alpha: alpha, eta: eta, batchSize: batch, updateClip: clip)
        t.alphaFinal = alphaFinal ?? t.alphaFinal
        options.apply(to: &t.options)
        if let gateBounds {
            guard gateBounds.count == 2, gateBounds.allSatisfy(\.isFinite), gateBounds[0] < gateBounds[1] else {
                throw LearningError.invalidHyperparameter(
                    "gate_bounds must be two finite voltages [low, high] with low < high (got \(gateBounds)), e.g. gate_bounds: [0.4, 8]")
            }
            t.topology.gateBounds = gateBounds[0]...gateBounds[1]
        }
        if initialGateMean != nil || initialGateSpread != nil {
            guard initialGateLow == nil, initialGateHigh == nil else {
                throw LearningError.invalidHyperparameter("give uniform (initial_gate_low/high) or normal (initial_gate_mean/spread) initial gates, not both")
            }
            var (mean, spread) = (1.5, 0.1)
            if case let .normal(m, s) = t.initialGates { (mean, spread) = (m, s) }
            t.initialGates = .normal(mean: initialGateMean ?? mean, spread: initialGateSpread ?? spread)
        } else if initialGateLow != nil || initialGateHigh != nil {
            var (low, high) = (t.topology.gateBounds.lowerBound, t.topology.gateBounds.upperBound)
            if case let .uniform(l, h) = t.initialGates { (low, high) = (l, h) }
            t.initialGates = .uniform(low: initialGateLow ?? low, high: initialGateHigh ?? high)
        }
        t.evaluateEvery = evaluateEvery ?? t.evaluateEvery
        try t.validate()
        return t
    }
}
