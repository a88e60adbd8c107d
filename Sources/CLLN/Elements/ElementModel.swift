import Foundation

/// The physics of one edge element kind, in one place: how its learnable parameter encodes a gate
/// voltage or a conductance, its bounds and default, which kernel of the idealized model its
/// current follows (``ConductanceLaw``) and with which coefficient, and its netlist form.
///
/// Everything else an element needs is derived from these requirements in one place (the
/// extension below): the current and its derivatives ∂I/∂V_a, ∂I/∂V_b, ∂I/∂p, the local rule's
/// sensitivity, and the floor / saturation diagnostics. Conformers are caseless enums with static
/// members only; ``EdgeElement/model`` is the one place an ``EdgeElement`` maps to its conformer.
///
/// To add an element: one file in `Elements/` with a conformer, one case in ``EdgeElement`` and
/// its line in ``EdgeElement/model``, and tests in `ElementTests.swift`. An element whose current
/// is not one of the ``ConductanceLaw`` kernels, or whose circuit is none of the ``NetlistForm``s,
/// also needs a kernel (idealized solver) or a form (netlist compiler).
public protocol ElementModel {
    /// The name used in topology files, summaries and netlist headers (`"mosfet"`).
    static var name: String { get }
    /// Other lower-case spellings accepted when parsing a name.
    static var aliases: [String] { get }
    /// The kernel of the idealized model its current follows.
    static var law: ConductanceLaw { get }
    /// The circuit element(s) it compiles to.
    static var netlistForm: NetlistForm { get }
    /// The allowed range of the parameter, given the topology's gate bounds [GMN, GMX] (V).
    static func parameterBounds(gateBounds: ClosedRange<Double>) -> ClosedRange<Double>
    /// The parameter standing for gate voltage `gate` (V) for a transistor; the element's default
    /// parameter (independent of `gate`) for other elements.
    static func initialParameter(gate: Double) -> Double
    /// The gate voltage U_G (V) parameter `p` stands for; `nil` for elements without a gate.
    static func gateVoltage(parameter p: Double) -> Double?
    /// The law's per-solve coefficient c: for ``ConductanceLaw/gatedTriode`` the overdrive
    /// U_G − V_T (V) with V_T = `thresholdVoltage` (mismatch included); otherwise the forward
    /// conductance in siemens (which ignores `thresholdVoltage`).
    static func coefficient(parameter p: Double, thresholdVoltage: Double) -> Double
    /// ∂c/∂p of ``coefficient(parameter:thresholdVoltage:)`` (independent of V_T). For a
    /// parameter that selects a discrete value (a wiper step) the slope of the continuous
    /// interpolation at the selected value.
    static func coefficientSlope(parameter p: Double) -> Double
    /// The value ``netlistForm`` carries for parameter `p`: the gate voltage U_G (V) of a
    /// ``NetlistForm/mosfet``, the resistance (Ω) of the resistive forms.
    static func netlistValue(parameter p: Double) -> Double
}

/// An element whose parameter is its forward conductance G in siemens (≥ 0, default 1/(1 kΩ)):
/// the coefficient is G itself, and the netlist carries 1/G ohms. Conformers declare only their
/// name, law and netlist form.
public protocol ConductanceElement: ElementModel {}

extension ConductanceElement {
    public static func parameterBounds(gateBounds: ClosedRange<Double>) -> ClosedRange<Double> {
        0...Double.greatestFiniteMagnitude
    }
    public static func initialParameter(gate: Double) -> Double { 1e-3 }
    public static func gateVoltage(parameter p: Double) -> Double? { nil }
    public static func coefficient(parameter p: Double, thresholdVoltage: Double) -> Double { p }
    public static func coefficientSlope(parameter p: Double) -> Double { 1 }
    /// 1/G (Ω); +∞ at G = 0.
    public static func netlistValue(parameter p: Double) -> Double { 1 / p }
}

/// The kernels of the idealized model: how an element's conductance G depends on its
/// coefficient c (``ElementModel/coefficient(parameter:thresholdVoltage:)``) and its terminal
/// voltages. The current from `a` to `b` is `I = G · (V_a − V_b)`.
///
/// The idealized solver evaluates these kernels per edge and per Newton iteration through
/// ``evaluate(coefficient:va:vb:k:floor:linearized:)``, with each edge's law and coefficient
/// precomputed; the elements' current and derivatives use the same function, so both agree to
/// the last bit.
public enum ConductanceLaw: Sendable, Hashable {
    /// A MOSFET in the triode model of spec §1: `G = k · max(c − (V_a + V_b)/2, g_floor)`, with
    /// c = U_G − V_T and `g_floor` the floor in units of k (V).
    case gatedTriode
    /// A resistor behind an ideal diode: `G = c` for V_a > V_b, `c · g_floor` otherwise.
    case diode
    /// A linear resistor: `G = c`.
    case linear

    /// The conductance `g` and the Jacobian entries ∂I/∂V_a, ∂I/∂V_b at coefficient `c`, for a
    /// device of transconductance scale `k` (A/V², mismatch included) and floor `floor` (V, in
    /// units of k). `linearized` freezes the conductance (∂I/∂V_a = g, ∂I/∂V_b = −g: the Jacobian
    /// of the linear network with these conductances). At the floor and on the diode's kink the
    /// derivative of the clip is taken as 0.
    @inline(__always)
    public func evaluate(
        coefficient c: Double, va: Double, vb: Double, k: Double, floor: Double, linearized: Bool = false
    ) -> (g: Double, dIdA: Double, dIdB: Double) {
        switch self {
        case .gatedTriode:
            let m = c - 0.5 * (va + vb)
            if m > floor {
                let g = k * m
                return linearized ? (g, g, -g) : (g, k * (c - va), -k * (c - vb))
            }
            let g = k * floor
            return (g, g, -g)
        case .diode:
            let g = c * (va - vb > 0 ? 1 : floor)
            return (g, g, -g)
        case .linear:
            return (c, c, -c)
        }
    }

    /// ∂I/∂c at the same point as ``evaluate(coefficient:va:vb:k:floor:linearized:)``: k·(V_a − V_b)
    /// for a gated triode above the floor (0 at the floor), (V_a − V_b) times the diode's factor,
    /// (V_a − V_b) for a linear resistor.
    @inline(__always)
    public func currentSlope(coefficient c: Double, va: Double, vb: Double, k: Double, floor: Double) -> Double {
        let dv = va - vb
        switch self {
        case .gatedTriode: return c - 0.5 * (va + vb) > floor ? k * dv : 0
        case .diode: return dv * (dv > 0 ? 1 : floor)
        case .linear: return dv
        }
    }

    /// Floor, saturation and triode tests (``EdgeDiagnosis``) at coefficient `c` (for a gated
    /// triode the overdrive U_G − V_T, mismatch included) and terminal voltages `va`, `vb`, with
    /// the floor `floor` (V, in units of k). The floor test agrees with the kernel's clip in
    /// ``evaluate(coefficient:va:vb:k:floor:linearized:)``.
    @inline(__always)
    public func diagnose(coefficient c: Double, va: Double, vb: Double, floor: Double) -> EdgeDiagnosis {
        guard self == .gatedTriode else { return EdgeDiagnosis(atFloor: false, saturated: false, inTriode: true) }
        return EdgeDiagnosis(
            atFloor: c - (va + vb) / 2 <= floor,
            saturated: min(va, vb) < c && c < max(va, vb),
            inTriode: c > max(va, vb))
    }
}

/// What an element compiles to in a SPICE netlist; the compiler writes each form under the names
/// of ``SpiceNames`` and ``ElementModel/netlistValue(parameter:)`` gives its value.
public enum NetlistForm: Sendable, Hashable, CaseIterable {
    /// An n-channel MOSFET from `a` (drain) to `b` (source) with its gate at U_G; model card,
    /// bulk tie and gate style are the compiler's.
    case mosfet
    /// A linear resistor between `a` and `b`.
    case resistor
    /// An ideal diode from `a` (+) to an internal node, in series with a resistor to `b`.
    case diodeResistor
}

/// The current through an element from `a` to `b` (A) and its derivatives in the terminal
/// voltages (S) and in the element's parameter (A per parameter unit).
public struct EdgeCurrent: Sendable, Hashable {
    public var current: Double
    public var dIdA: Double
    public var dIdB: Double
    public var dIdP: Double
}

/// Where an element's operating point sits relative to the idealized model's kinks.
public struct EdgeDiagnosis: Sendable, Hashable {
    /// The idealized conductance sits at the floor (the channel is cut off):
    /// U_G − V_T − (V_a + V_b)/2 ≤ g_floor. Always false for elements without a gate.
    public var atFloor: Bool
    /// A real transistor would run saturated, min(V_a, V_b) < U_G − V_T < max(V_a, V_b): there
    /// the idealized model and a level-1 MOSFET differ. Always false for elements without a gate.
    public var saturated: Bool
    /// The channel is in triode at both terminals, U_G − V_T > max(V_a, V_b): the region where
    /// the idealized model equals a level-1 MOSFET with GAMMA = LAMBDA = 0. Always true for
    /// elements without a gate.
    public var inTriode: Bool
}

extension ElementModel {
    /// Whether the parameter is a gate voltage (directly or through an encoding).
    public static var isTransistor: Bool { law == .gatedTriode }

    /// The current from `a` to `b` and its derivatives at parameter `p`, for one device with the
    /// constants `device` (a mismatched chip's per-edge constants, see ``DeviceConstants/shifted(threshold:gain:)``).
    /// Equal to the idealized solver's per-edge evaluation to the last bit.
    public static func current(parameter p: Double, va: Double, vb: Double, device: DeviceConstants) -> EdgeCurrent {
        let c = coefficient(parameter: p, thresholdVoltage: device.thresholdVoltage)
        let (g, dIdA, dIdB) = law.evaluate(coefficient: c, va: va, vb: vb, k: device.k, floor: device.conductanceFloor)
        let slope = law.currentSlope(coefficient: c, va: va, vb: vb, k: device.k, floor: device.conductanceFloor)
        return EdgeCurrent(current: g * (va - vb), dIdA: dIdA, dIdB: dIdB, dIdP: slope * coefficientSlope(parameter: p))
    }

    /// The local rule's sensitivity s = (∂G/∂p)/k at parameter `p` (G the forward conductance,
    /// above the floor), in MOSFET units so that one rule fits every element: 1 for a MOSFET's gate
    /// voltage (the spec's rule), U_G for an exp-gate MOSFET's log-gate, 1/k for a conductance.
    /// `k` is the nominal scale (the rule does not know a chip's mismatch).
    public static func sensitivity(parameter p: Double, k: Double) -> Double {
        let slope = coefficientSlope(parameter: p)
        return law == .gatedTriode ? slope : slope / k
    }

    /// Floor, saturation and triode tests at parameter `p` and terminal voltages `va`, `vb`, for
    /// one device with the constants `device` (its threshold shift included).
    public static func diagnose(parameter p: Double, va: Double, vb: Double, device: DeviceConstants) -> EdgeDiagnosis {
        law.diagnose(
            coefficient: coefficient(parameter: p, thresholdVoltage: device.thresholdVoltage), va: va, vb: vb,
            floor: device.conductanceFloor)
    }
}
