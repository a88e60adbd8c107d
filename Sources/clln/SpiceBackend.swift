import CLLN

// Wired to the ngspice engine when it lands.
func makeSpiceSolver(topology: Topology, model: ModelCard) throws -> any EquilibriumSolver {
    throw SolverError.nonFiniteInput("spice backend")
}

func spiceBackendInfo(model: String) throws -> [String: String] { ["model": model] }

func runSpiceBenchmark(sizes: [Int], emit: (String, (String) -> String) throws -> Void) throws {}
