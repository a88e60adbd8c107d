import Foundation

/// What sits on an edge, and how its learnable parameter sets its conductance.
///
/// Every element is a two-terminal conductor between the edge's nodes `a` and `b`; the current
/// from `a` to `b` is `I = G(p, Va, Vb) · (Va − Vb)` where `p` is the edge's learnable parameter.
/// Each case's physics lives in its ``ElementModel`` conformer (one file per element in
/// `Elements/`); ``model`` is the one place a case maps to it.
public enum EdgeElement: Sendable, Hashable, CaseIterable {
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

    /// The element's physics (the single dispatch point from a case to its model). Hot loops
    /// (the idealized solver's Newton iterations) precompute what they need from it per edge.
    public var model: any ElementModel.Type {
        switch self {
        case .mosfet: Mosfet.self
        case .expGateMosfet: ExpGateMosfet.self
        case .diodeResistor: DiodeResistor.self
        case .resistor: Resistor.self
        case .potentiometer: Potentiometer.self
        }
    }

    /// The name used in files and netlists.
    public var name: String { model.name }

    /// Parses `name` (or one of its aliases, case-insensitively); `nil` for an unknown element name.
    public init?(name: String) {
        let key = name.lowercased()
        guard let element = Self.allCases.first(where: { $0.model.name == key || $0.model.aliases.contains(key) }) else {
            return nil
        }
        self = element
    }

    /// Whether the parameter is a gate voltage (directly or through a log).
    public var isTransistor: Bool { model.isTransistor }
}
