import Foundation

/// A scalar function of time: inputs, targets, chemostat levels.
public indirect enum Signal: Sendable {
    case constant(Double)
    /// A sin(ω t + φ).
    case sine(amplitude: Double, angularFrequency: Double, phase: Double)
    /// Triangle wave through 0 at t = 0, rising to `amplitude` at a quarter period, down to
    /// −`amplitude` at three quarters: alternating forward and backward rotation of a phase.
    case triangle(amplitude: Double, period: Double)
    /// `offset` + `slope` · t.
    case ramp(offset: Double, slope: Double)
    /// Linear interpolation of `values` sampled every `interval` from t = 0, held at the ends.
    case samples(interval: Double, values: [Double])
    /// The causal delay line: s(t − `lag`) for t ≥ `lag`, and s(0) before.
    case delayed(Signal, lag: Double)
    /// The sum of signals.
    case sum([Signal])
    /// `factor` · s(t).
    case scaled(Signal, by: Double)

    public func value(at t: Double) -> Double {
        switch self {
        case .constant(let value):
            return value
        case .sine(let amplitude, let omega, let phase):
            return amplitude * sin(omega * t + phase)
        case .triangle(let amplitude, let period):
            let phase = (t / period - (t / period).rounded(.down) + 0.25).truncatingRemainder(dividingBy: 1)
            return amplitude * (phase < 0.5 ? 4 * phase - 1 : 3 - 4 * phase)
        case .ramp(let offset, let slope):
            return offset + slope * t
        case .samples(let interval, let values):
            let position = max(0, min(Double(values.count - 1), t / interval))
            let index = min(values.count - 2, Int(position))
            guard index >= 0 else { return values.first ?? 0 }
            let w = position - Double(index)
            return values[index] * (1 - w) + values[index + 1] * w
        case .delayed(let signal, let lag):
            return signal.value(at: max(0, t - lag))
        case .sum(let terms):
            return terms.reduce(0) { $0 + $1.value(at: t) }
        case .scaled(let signal, let factor):
            return factor * signal.value(at: t)
        }
    }
}

/// When a target counts: a time weight w(t) ≥ 0 on its instantaneous cost.
public enum TimeWindow: Sendable {
    case always
    /// Smooth switch-on ½ (1 + tanh((t − start) / rise)): "after settling".
    case after(start: Double, rise: Double)
    /// Unit-area Gaussian at `center` of standard deviation `width`: "hit this value at this time".
    case pulse(center: Double, width: Double)

    public func weight(at t: Double) -> Double {
        switch self {
        case .always:
            return 1
        case .after(let start, let rise):
            return 0.5 * (1 + tanh((t - start) / rise))
        case .pulse(let center, let width):
            let z = (t - center) / width
            return exp(-0.5 * z * z) / (width * (2 * Double.pi).squareRoot())
        }
    }
}

/// How the error e = x − x* of an output is penalised.
public enum ErrorShape: Sendable {
    /// c = ½ e², nudge η (x* − x).
    case squared
    /// c = 1 − cos e for phases, nudge η sin(x* − x): 2π-periodic, ≈ ½ e² for small e.
    case phase

    @inline(__always)
    func cost(_ error: Double) -> Double {
        switch self {
        case .squared: return 0.5 * error * error
        case .phase: return 1 - cos(error)
        }
    }

    /// dc/de.
    @inline(__always)
    func slope(_ error: Double) -> Double {
        switch self {
        case .squared: return error
        case .phase: return sin(error)
        }
    }
}

/// One term of the instantaneous cost: c(x, t) += w(t) · shape(x_node − signal(t)).
public struct Target: Sendable {
    public var node: Int
    public var signal: Signal
    public var window: TimeWindow
    public var shape: ErrorShape

    public init(node: Int, signal: Signal, window: TimeWindow = .always, shape: ErrorShape = .squared) {
        self.node = node
        self.signal = signal
        self.window = window
        self.shape = shape
    }
}

/// A signal applied at one node.
public struct NodeSignal: Sendable {
    public var node: Int
    public var signal: Signal

    public init(node: Int, signal: Signal) {
        self.node = node
        self.signal = signal
    }
}

/// One training example: a run of duration T from a fixed initial state under given inputs, with
/// the cost C = ∫₀ᵀ c(x, t) dt on its output nodes.
///
/// Inputs come in two kinds: *prescribed* nodes follow their signal exactly (an imposed
/// displacement, a driven phase, a chemostatted species — the network cannot act on them), and
/// *forced* nodes receive the signal as an additive drive u(t) on top of F.
public struct Episode: Sendable {
    public var name: String
    public var initialState: [Double]
    public var duration: Double
    public var prescribed: [NodeSignal]
    public var forcing: [NodeSignal]
    public var targets: [Target]

    public init(
        name: String, initialState: [Double], duration: Double,
        prescribed: [NodeSignal] = [], forcing: [NodeSignal] = [], targets: [Target]
    ) {
        self.name = name
        self.initialState = initialState
        self.duration = duration
        self.prescribed = prescribed
        self.forcing = forcing
        self.targets = targets
    }
}
