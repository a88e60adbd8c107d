import Foundation

/// What sits on an edge, and how its learnable parameter sets its conductance.
///
/// Every element is a two-terminal conductor between the edge's nodes `a` and `b`; the current
/// from `a` to `b` is `I = G(p, Va, Vb) · (Va − Vb)` where `p` is the edge's learnable parameter.
public enum EdgeElement: Sendable, Hashable {
    /// An n-channel MOSFET used as a voltage-controlled resistor (spec §1). The parameter is the
    /// gate voltage `U_G` (V); `G = k · max(U_G − V_T − (Va + Vb)/2, g_floor)` in the triode model.
    case mosfet
    /// A MOSFET whose parameter is stored as a natural log of the gate voltage: `U_G = exp(p)`.
    /// Multiplicative updates in `U_G` become additive in `p`.
    case expGateMosfet
    /// A resistor in series with an ideal diode: conducts only from `a` (+) to `b` (−).
    /// The parameter is the conductance in siemens.
    case diodeResistor
    /// A linear resistor; the parameter is its conductance in siemens (the control case of
    /// coupled learning, where it equals gradient descent as η → 0).
    case resistor
    /// A digital potentiometer (X9C303-like): 100 geometric steps from 40 Ω to 32 kΩ.
    /// The parameter is the wiper position, rounded to the nearest step in 0...99.
    case potentiometer

    /// The name used in files and netlists.
    public var name: String {
        switch self {
        case .mosfet: "mosfet"
        case .expGateMosfet: "exp-gate-mosfet"
        case .diodeResistor: "diode-resistor"
        case .resistor: "resistor"
        case .potentiometer: "potentiometer"
        }
    }

    /// Parses `name`; `nil` for an unknown element name.
    public init?(name: String) {
        switch name.lowercased() {
        case "mosfet", "nmos": self = .mosfet
        case "exp-gate-mosfet", "expgatemosfet", "exp-gate": self = .expGateMosfet
        case "diode-resistor", "dioderesistor", "diode": self = .diodeResistor
        case "resistor", "linear": self = .resistor
        case "potentiometer", "pot", "digipot": self = .potentiometer
        default: return nil
        }
    }

    /// Whether the parameter is a gate voltage (directly or through a log).
    public var isTransistor: Bool { self == .mosfet || self == .expGateMosfet }
}

/// The X9C303-like digital potentiometer: resistance of wiper step `step` (0...99).
public enum Potentiometer {
    /// Number of wiper positions.
    public static let steps = 100
    /// Resistance at step 0, in ohms.
    public static let minimumOhms = 40.0
    /// Resistance at step 99, in ohms.
    public static let maximumOhms = 32_000.0

    /// The step a continuous parameter selects (rounded, clipped to 0...99).
    public static func step(for parameter: Double) -> Int {
        Int(min(max(parameter.rounded(), 0), Double(steps - 1)))
    }

    /// Resistance in ohms of a wiper position: geometric from 40 Ω to 32 kΩ.
    public static func ohms(step: Int) -> Double {
        minimumOhms * pow(maximumOhms / minimumOhms, Double(step) / Double(steps - 1))
    }
}
