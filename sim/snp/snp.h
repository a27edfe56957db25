// sim/snp: AMD SEV-SNP evidence, simulated and verified.
//
// Formats:      report.h (ATTESTATION_REPORT v2-v5, TCB, policy), certs.h (cert table, KDS extensions),
//               evidence_json.h (Trustee's SNP evidence JSON)
// Trust:        trust.h (real AMD roots compiled in, or simulated ones)
// Simulation:   amd_sim.h (ARK/ASK/ASVK, VCEK/VLEK issuance), signer.h (firmware signer), kds.h (fake KDS)
// Verification: verify.h (go-sev-guest verify + validate and Trustee's checks, named failure reasons)
#pragma once

#include "snp/amd_sim.h"
#include "snp/certs.h"
#include "snp/evidence_json.h"
#include "snp/kds.h"
#include "snp/report.h"
#include "snp/signer.h"
#include "snp/trust.h"
#include "snp/verify.h"
