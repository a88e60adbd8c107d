import CLLN

// Wired to the ngspice engine when it lands.
func makeSpiceSolver(topology: Topology, model: ModelCard) throws -> any EquilibriumSolver {
    throw SolverError.nonFiniteInput("spice backend")
}

func runSpiceBenchmark(sizes: [Int], emit: (String, (String) -> String) throws -> Void) throws {}
