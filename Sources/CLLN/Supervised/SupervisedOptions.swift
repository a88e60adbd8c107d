import Foundation

/// The loss a supervised example is trained on. Its only role in coupled learning is where the
/// clamped phase holds the outputs.
public enum SupervisedLoss: String, Sendable, Codable, CaseIterable, ConfigChoice {
    public static let configKey = "loss"
    /// Mean squared error: every output is nudged toward its label.
    case mse
    /// Shifted hinge (the reference's `LOS = 1`): an output already at or beyond its label, on the
    /// label's side of the decision center, is not nudged (the label is the margin); an example
    /// whose outputs all satisfy this gets no clamped phase and no update.
    case hinge
    /// Multiclass hinge for one logical output per class (labels: the true class's is the
    /// largest): only the true class y and its strongest rival r (the largest other output) are
    /// nudged, toward meeting the margin Δ = L_y − L_r symmetrically, and only while
    /// O_y − O_r < Δ (as in the published PySpice digits trainer; ``SupervisedOptions/hingeNudge``
    /// makes the nudge a fixed step instead).
    case multiclassHinge = "multiclass-hinge"
}

extension SupervisedLoss {
    /// A short human name ("MSE", "shifted hinge", "multiclass hinge").
    public var displayName: String {
        switch self {
        case .mse: "MSE"
        case .hinge: "shifted hinge"
        case .multiclassHinge: "multiclass hinge"
        }
    }
}

/// How the accumulated updates of a batch are scaled before the ±DGC clip.
public enum UpdateNormalization: String, Sendable, Codable, CaseIterable, ConfigChoice {
    public static let configKey = "normalization"
    /// Plain coupled learning: the accumulated update as it is.
    case none
    /// Each example's error weight is divided by the mean error weight of the training set (every
    /// example's most recent one), so the learning rate does not fade as the errors shrink
    /// (the reference's `NOR = 1`). Acts through ``SupervisedOptions/errorWeightExponent``.
    case batch
    /// Adam-style: the batch update becomes m̂/(√v̂ + ε)·step, with m, v the bias-corrected running
    /// moments of the batch updates (the reference's `NOR = 2`).
    case adam
}

/// Moments and step of the Adam-style scaling. The defaults are the reference code's.
public struct AdamParameters: Sendable, Hashable, Codable {
    /// Decay of the first moment (reference 0.6).
    public var beta1: Double
    /// Decay of the second moment (reference 0.999).
    public var beta2: Double
    /// Added to √v̂ (reference 1e-3, in gate volts per batch).
    public var epsilon: Double
    /// Multiplies the scaled update (reference 1: the ±DGC clip then sets the step).
    public var step: Double

    public init(beta1: Double = 0.6, beta2: Double = 0.999, epsilon: Double = 1e-3, step: Double = 1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.step = step
    }
}

/// The fixed rails that overclamping clamps toward: instead of its label, an output is nudged
/// toward `high` when it lies below its label and toward `low` when above (the reference's `OVC`).
public struct OverclampRails: Sendable, Hashable, Codable {
    public var low: Double
    public var high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}

/// The training options of supervised coupled learning, the reference code's `Experiment`
/// parameters beyond α, η, B and DGC (which live in ``CoupledLearningRule``).
///
/// | option | reference key |
/// |---|---|
/// | ``loss`` | `LOS` (0 MSE, 1 shifted hinge) |
/// | ``differential`` | `DIF` |
/// | ``overclamp`` | `OVC` |
/// | ``errorWeightExponent`` | `MXP` (with the per-example multipliers `MULTS`) |
/// | ``normalization`` | `NOR` (1 batch, 2 Adam) |
/// | ``updateExponent`` | `UDE` |
public struct SupervisedOptions: Sendable, Hashable, Codable {
    public var loss: SupervisedLoss
    /// The decision center of the hinge: an output's class is the side of the center its label is
    /// on (0 for differential outputs; tasks with single-ended outputs set their midpoint).
    public var hingeCenter: Double
    /// Outputs come in node pairs (outputs 2k, 2k+1): logical output k is V(2k) − V(2k+1); the
    /// clamp nudges the difference and keeps the pair's mean at its free value.
    public var differential: Bool
    /// Overclamping rails, or `nil` to clamp toward the labels.
    public var overclamp: OverclampRails?
    /// p in the per-example learning-rate factor |error|^p (0: every example weighs 1). The error
    /// is the Euclidean norm over the logical outputs of output − label (hinge: unsatisfied outputs only).
    public var errorWeightExponent: Double
    public var normalization: UpdateNormalization
    public var adam: AdamParameters
    /// q in the per-edge factor (U_G − GMN)^q of every update (0: off); q > 0 slows edges near
    /// the lower gate bound (an edge at GMN stays there).
    public var updateExponent: Double
    /// Learning-rate factor of the *inner* edges, those with neither end at an output node (in a
    /// layered network: every layer but the last), config key `hidden_alpha`; 1 = the same α as
    /// the edges into the outputs. The rule stays local: each edge still updates from its own
    /// free and clamped voltage drops, only its rate differs. Under Adam scaling it changes
    /// little (Adam scales each edge's step to about `adam_step` whatever the rate).
    public var hiddenAlphaScale: Double
    /// Multiclass hinge only, config key `nudge`: while the margin is not met, the clamped phase
    /// moves the true class's logical output up and its rival's down by this fixed amount (V),
    /// whatever the shortfall (as the published scikit-digits trainer's `delta`; with differential
    /// outputs each node of the two pairs moves by half of it), instead of η·shortfall/2 toward
    /// the margin; `nil` for the latter. Positive and finite.
    public var hingeNudge: Double?

    public init(
        loss: SupervisedLoss = .mse, hingeCenter: Double = 0, differential: Bool = false,
        overclamp: OverclampRails? = nil, errorWeightExponent: Double = 0, normalization: UpdateNormalization = .none,
        adam: AdamParameters = AdamParameters(), updateExponent: Double = 0, hiddenAlphaScale: Double = 1,
        hingeNudge: Double? = nil
    ) {
        self.loss = loss
        self.hingeCenter = hingeCenter
        self.differential = differential
        self.overclamp = overclamp
        self.errorWeightExponent = errorWeightExponent
        self.normalization = normalization
        self.adam = adam
        self.updateExponent = updateExponent
        self.hiddenAlphaScale = hiddenAlphaScale
        self.hingeNudge = hingeNudge
    }

    /// Checks the values are usable.
    public func validate() throws {
        func bad(_ why: String) -> LearningError { .invalidHyperparameter(why) }
        guard hingeCenter.isFinite else { throw bad("hinge_center must be finite") }
        if let rails = overclamp {
            guard rails.low.isFinite, rails.high.isFinite, rails.low < rails.high else {
                throw bad("overclamp rails need low < high (got \(rails.low), \(rails.high))")
            }
        }
        guard errorWeightExponent.isFinite, errorWeightExponent >= 0 else {
            throw bad("error_weight must be ≥ 0 (got \(errorWeightExponent))")
        }
        guard updateExponent.isFinite, updateExponent >= 0 else {
            throw bad("update_exponent must be ≥ 0 (got \(updateExponent))")
        }
        guard hiddenAlphaScale.isFinite, hiddenAlphaScale > 0 else {
            throw bad("hidden_alpha must be a positive finite factor (got \(hiddenAlphaScale)), e.g. hidden_alpha: 3")
        }
        if let nudge = hingeNudge {
            guard nudge.isFinite, nudge > 0 else {
                throw bad("nudge must be a positive finite voltage (got \(nudge)), e.g. nudge: 0.05")
            }
            guard loss == .multiclassHinge else {
                throw bad("nudge sets the multiclass hinge's fixed step; use it with loss: multiclass-hinge (got loss: \(loss.rawValue))")
            }
            guard overclamp == nil else {
                throw bad("nudge and overclamp both set where the clamped outputs go; give one of them")
            }
        }
        guard (0..<1).contains(adam.beta1), (0..<1).contains(adam.beta2) else {
            throw bad("adam_beta1 and adam_beta2 must lie in [0, 1) (got \(adam.beta1), \(adam.beta2))")
        }
        guard adam.epsilon > 0, adam.epsilon.isFinite, adam.step > 0, adam.step.isFinite else {
            throw bad("adam_epsilon and adam_step must be positive finite numbers (got \(adam.epsilon), \(adam.step)), e.g. adam_step: 0.01")
        }
    }

    /// Config keys, flat (the same names in config files, `--set KEY=VALUE` and summary.json).
    enum CodingKeys: String, CodingKey, CaseIterable {
        case loss, hingeCenter = "hinge_center", differential, overclamp, errorWeightExponent = "error_weight"
        case normalization, adamBeta1 = "adam_beta1", adamBeta2 = "adam_beta2", adamEpsilon = "adam_epsilon"
        case adamStep = "adam_step", updateExponent = "update_exponent", hiddenAlphaScale = "hidden_alpha"
        case hingeNudge = "nudge"
    }

    /// Decodes the keys present over the defaults (see ``SupervisedOptionOverrides``).
    public init(from decoder: Decoder) throws {
        self.init()
        try SupervisedOptionOverrides(from: decoder).apply(to: &self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(loss, forKey: .loss)
        try c.encode(hingeCenter, forKey: .hingeCenter)
        try c.encode(differential, forKey: .differential)
        if let rails = overclamp { try c.encode([rails.low, rails.high], forKey: .overclamp) } else { try c.encodeNil(forKey: .overclamp) }
        try c.encode(errorWeightExponent, forKey: .errorWeightExponent)
        try c.encode(normalization, forKey: .normalization)
        try c.encode(adam.beta1, forKey: .adamBeta1)
        try c.encode(adam.beta2, forKey: .adamBeta2)
        try c.encode(adam.epsilon, forKey: .adamEpsilon)
        try c.encode(adam.step, forKey: .adamStep)
        try c.encode(updateExponent, forKey: .updateExponent)
        if hiddenAlphaScale != 1 { try c.encode(hiddenAlphaScale, forKey: .hiddenAlphaScale) }
        try c.encodeIfPresent(hingeNudge, forKey: .hingeNudge)
    }
}
