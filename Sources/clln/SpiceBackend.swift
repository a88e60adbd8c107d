import CLLN
import CLLNReport
import Foundation

/// The ngspice backend for a topology and model card, with the chip's device draws.
func makeSpiceSolver(
    topology: Topology, model: ModelCard, mismatch: DeviceMismatch? = nil, diagnostics: Bool = true
) throws -> any EquilibriumSolver {
    var options = SpiceSolver.Options(diagnostics: diagnostics)
    options.mismatch = mismatch
    return try SpiceSolver(topology: topology, model: model, options: options)
}

/// What a SPICE training summary records about the backend.
func spiceBackendInfo(model: String) throws -> [String: String] {
    let card = try ModelCard.named(model)
    let engine = try NgspiceEngine.shared()
    return ["ngspice_version": engine.version, "model": card.name, "model_origin": card.origin,
            "spice_options": SpiceSolver.defaultSpiceOptions(model: card)]
}
