// The vTPM of an Azure confidential VM, simulated: a TPM 2.0 as the paravisor (HCL) exposes it to the
// guest, with an RSA-2048 attestation key (AK, HCLAkPub) persisted at 0x81000003, an RSA-2048
// endorsement key (EK, HCLEkPub), the sha256 PCR bank (PCR 0..23), and NV indices (the HCL report at
// 0x01400001, the report data the guest writes at 0x01400002). shared/reference/evidence.md section 3,
// hw.md section 6.
//
// Two implementations with the same outputs (the AK template, TPMS_ATTEST layout, PCR reset values,
// NV semantics), so the same verifier code accepts both:
//   * start_swtpm_vtpm: a real TPM 2.0 (libtpms inside swtpm), driven through libtss2 ESYS over the
//     swtpm TCP TCTI. The same ESYS calls would run against /dev/tpmrm0 on an Azure CVM.
//   * make_in_process_vtpm: a TPM model on OpenSSL, for speed (no process, no sockets).
//
// The AK. Both create it from the template tpm2_createak uses for `-G rsa -g sha256 -s rsassa`
// (TPMT_PUBLIC: type RSA, nameAlg SHA-256, objectAttributes fixedTPM | fixedParent | sensitiveDataOrigin
// | userWithAuth | restricted | sign = 0x00050072, empty authPolicy, symmetric NULL, scheme RSASSA
// SHA-256, keyBits 2048, exponent 0 (= 65537)); its TPM Name is 0x000B || SHA-256(that TPMT_PUBLIC
// marshalled) (vtpm_ak_name). TPM2_Quote's qualifiedSigner is not the Name but the *Qualified* Name, which
// also hashes in the key's parents (vtpm_ak_qualified_name). In both implementations the AK is a primary
// key of the endorsement hierarchy (TPM2_CreatePrimary under TPM_RH_ENDORSEMENT on swtpm) rather than
// tpm2_createak's child of the EK:
//   - it stays in the endorsement hierarchy, so TPM2_Quote reports resetCount, restartCount and
//     firmwareVersion in clear, as for tpm2_createak's AK (an AK in the owner hierarchy would have them
//     obfuscated: TPM2 Part 3, introduction to the attestation commands);
//   - a primary is derived from the endorsement seed and the template, so the same state directory
//     always yields the same AK, and creating it needs no EK policy session (PolicySecret) or
//     TPM2_Load;
//   - the harness never runs credential activation (MakeCredential/ActivateCredential against the EK):
//     Azure vouches for HCLAkPub through the HCL report, not through the EK, so the parent is
//     invisible to verifiers, which check the signature with HCLAkPub, the nonce and the PCR digest
//     but not qualifiedSigner (evidence.md 3.2-3.3). The public area, Name and signatures are those of an AK
//     under the EK; only qualifiedSigner differs (it would hash the EK's Qualified Name instead of
//     0x4000000B). The parent of Azure's own AK is not documented (evidence.md section 3).
//
// NV. libtpms limits one NV index to TPM2_PT_NV_INDEX_MAX = 2048 bytes (hw.md 6.2), but a real HCL
// report is 2600 bytes. nv_write of more than that on swtpm stores the first 2048 bytes in the index
// itself and the rest in a continuation index at index + 0x00400000 (kNvContinuationOffset: the
// platform-manufacturer range 0x01400000..0x017FFFFF that Azure's indices sit in maps onto the owner
// range 0x01800000..0x01BFFFFF, which no Azure index uses); nv_read reassembles, so callers see exactly
// the bytes Azure would give them, up to 2 x 2048 = 4096 bytes (kMaxNvData). A plain TPM tool
// (tpm2_nvread 0x01400001) sees the first 2048 bytes, like a truncated report. The in-process vTPM
// stores any size up to kMaxNvData in the index itself. Writes and reads go in chunks of at most
// TPM2_PT_NV_BUFFER_MAX (1024) bytes per TPM2_NV_Write / TPM2_NV_Read, as the Azure attester reads.
// nv_write replaces the contents: an index that exists with another size is undefined and defined anew
// (owner auth, attributes ownerread | ownerwrite | authread | authwrite, as hw.md 6.2's tpm2_nvdefine),
// so nv_read returns exactly the bytes last written.
//
// PCRs. Reset values as libtpms (PC client profile) sets them at TPM2_Startup(CLEAR): PCR 17..22 all
// 0xFF, the others zero. TpmQuote::pcrs always holds all 24, read right after the quote, whatever the
// selection.
//
// Determinism. make_in_process_vtpm derives the AK and EK from the seed (rsa_key_from_seed with the
// labels "azure-vtpm-ak" and "azure-vtpm-ek") and counts its clock: clockInfo.clock starts at
// kInProcessClockStart and advances by kInProcessClockStep milliseconds per quote; resetCount and
// restartCount are 0, safe is YES, firmwareVersion is kLibtpmsFirmwareVersion (what Debian 12's libtpms
// reports). RSASSA-PKCS1-v1_5 is deterministic, so the same seed and the same operations give
// byte-identical quotes. Between the two implementations, for the same operations, only these differ:
// the keys (so qualifiedSigner and the signature), clockInfo (swtpm's is the TPM's own clock and reset
// counters) and firmwareVersion (the installed libtpms's). Two swtpm vTPMs on fresh state directories differ
// in their keys too (swtpm_setup draws new seeds).
//
// Processes. start_swtpm_vtpm runs swtpm_setup once (when `state_dir` holds no TPM state), then
// `swtpm socket --tpm2` as a child process on two free loopback ports, with `--flags
// not-need-init,startup-clear`, and kills and reaps it on destruction. The child gets PR_SET_PDEATHSIG
// (SIGKILL) so that it cannot outlive a crashed test: destroy the Vtpm before the thread that created it
// ends. All waits are bounded (swtpm_setup 60 s, the port 10 s). A Vtpm is not thread-safe.
//
// Error codes: azure.swtpm_unavailable (swtpm or swtpm_setup missing, or failed to start: the message
// says how to install them), azure.tpm_error (a TPM or TSS response code, named: "TPM_RC_SIZE (0x2D5)"),
// azure.vtpm_argument_invalid (PCR index > 23, a digest not 32 bytes, a nonce over 64 bytes, a
// selection that is not sha256 with 3 bitmap bytes, a handle outside the NV range 0x01000000..0x01FFFFFF,
// empty NV data, over kMaxNvData bytes, or over 2048 bytes for an index outside 0x01400000..0x017FFFFF),
// azure.nv_undefined (nv_read of an index never written).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "azure/hcl.h"  // kAkHandle, kNvIndexHclReport, kNvIndexReportData
#include "azure/tpm.h"
#include "core/bytes.h"
#include "core/crypto.h"
#include "core/result.h"

namespace coco::azure {

inline constexpr std::uint32_t kEkHandle = 0x81010001;  // the RSA EK swtpm_setup persists
inline constexpr std::uint32_t kAkObjectAttributes = 0x00050072;
inline constexpr std::size_t kMaxNonceSize = 64;      // TPM2B_DATA: sizeof(TPMT_HA) with SHA-512
inline constexpr std::size_t kTpmNvIndexMax = 2048;   // libtpms TPM2_PT_NV_INDEX_MAX
inline constexpr std::size_t kTpmNvBufferMax = 1024;  // libtpms TPM2_PT_NV_BUFFER_MAX
inline constexpr std::uint32_t kNvContinuationOffset = 0x00400000;
inline constexpr std::size_t kMaxNvData = 2 * kTpmNvIndexMax;
inline constexpr std::uint64_t kLibtpmsFirmwareVersion = 0x2019102300163636;  // libtpms 0.9
inline constexpr std::uint64_t kInProcessClockStart = 1000;
inline constexpr std::uint64_t kInProcessClockStep = 1000;

class Vtpm {
 public:
  virtual ~Vtpm();
  virtual std::string kind() const = 0;                // "swtpm" | "in-process"
  virtual const Key& ak_public() const = 0;            // RSA-2048 public key of 0x81000003
  virtual const Key& ek_public() const = 0;            // RSA-2048 EK (for HCLEkPub)
  virtual Result<std::vector<Bytes>> read_pcrs() = 0;  // sha256 PCR 0..23
  virtual Status extend_pcr(std::uint32_t index, ByteView sha256_digest) = 0;
  // TPM2_Quote with the AK over `selection` (sha256 bank, inScheme NULL so the key's RSASSA SHA-256),
  // qualifyingData = nonce (<= 64 bytes), plus the 24 PCR values read right after, as the Azure
  // attester does.
  virtual Result<TpmQuote> quote(ByteView nonce, const PcrSelection& selection = all_sha256_pcrs()) = 0;
  // Defines the index (owner auth) when absent or of another size, then writes `data` (1..kMaxNvData
  // bytes); see the header comment for data over 2048 bytes.
  virtual Status nv_write(std::uint32_t index, ByteView data) = 0;
  virtual Result<Bytes> nv_read(std::uint32_t index) = 0;

 protected:
  Vtpm() = default;
  Vtpm(const Vtpm&) = delete;
  Vtpm& operator=(const Vtpm&) = delete;
};

// The AK's public area (TPMT_PUBLIC with the template above, marshalled), its TPM Name
// (0x000B || SHA-256(public area)) and its Qualified Name as a primary of the endorsement hierarchy
// (0x000B || SHA-256(TPM_RH_ENDORSEMENT 0x4000000B as 4 bytes || Name), TPM2 Part 1 section 16), which
// TPM2_Quote puts in TPMS_ATTEST.qualifiedSigner.
Bytes vtpm_ak_public_area(const Key& ak_pub);
Bytes vtpm_ak_name(const Key& ak_pub);
Bytes vtpm_ak_qualified_name(const Key& ak_pub);

std::unique_ptr<Vtpm> make_in_process_vtpm(const std::string& seed);

// Starts swtpm with its state in `state_dir` (created when absent; swtpm_setup --createek when it holds
// no TPM state), creates and persists the AK at 0x81000003 when absent, and reads the EK at 0x81010001.
Result<std::unique_ptr<Vtpm>> start_swtpm_vtpm(const std::filesystem::path& state_dir);

// Where the swtpm and swtpm_setup binaries are ("" when not on PATH); tests skip when they are absent.
std::string find_swtpm_binary(const std::string& name);

}  // namespace coco::azure
