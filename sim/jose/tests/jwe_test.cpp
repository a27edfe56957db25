// Flattened JWE: the RFC 7516 / RFC 7520 examples, the Concat KDF vector of RFC 7518, round trips over
// every supported algorithm combination, tampering, wrong keys and malformed input.
#include <gtest/gtest.h>

#include "core/encoding.h"
#include "jose/jose.h"

using namespace coco;
using namespace coco::jose;

namespace {

// ---- RFC 7516 appendix A.1: RSA-OAEP + A256GCM ---------------------------------------------------
const char* const kA1Plaintext = "The true sign of intelligence is not knowledge but imagination.";
const char* const kA1Protected = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ";
const char* const kA1EncryptedKey =
    "OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe"
    "ipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDb"
    "Sv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaV"
    "mqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je8"
    "1860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi"
    "6UklfCpIMfIjf7iGdXKHzg";
const char* const kA1Iv = "48V1_ALb6US04U3b";
const char* const kA1Ciphertext =
    "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji"
    "SdiwkIr3ajwQzaBtQD_A";
const char* const kA1Tag = "XFBoMYUZodetZdvTiFvSkQ";
nlohmann::json a1_jwk() {
  return {
      {"kty", "RSA"},
      {"n",
       "oahUIoWw0K0usKNuOR6H4wkf4oBUXHTxRvgb48E-BVvxkeDNjbC4he8rUW"
       "cJoZmds2h7M70imEVhRU5djINXtqllXI4DFqcI1DgjT9LewND8MW2Krf3S"
       "psk_ZkoFnilakGygTwpZ3uesH-PFABNIUYpOiN15dsQRkgr0vEhxN92i2a"
       "sbOenSZeyaxziK72UwxrrKoExv6kc5twXTq4h-QChLOln0_mtUZwfsRaMS"
       "tPs6mS6XrgxnxbWhojf663tuEQueGC-FCMfra36C9knDFGzKsNa7LZK2dj"
       "YgyD3JR_MB_4NUJW_TqOQtwHYbxevoJArm-L5StowjzGy-_bq6Gw"},
      {"e", "AQAB"},
      {"d",
       "kLdtIj6GbDks_ApCSTYQtelcNttlKiOyPzMrXHeI-yk1F7-kpDxY4-WY5N"
       "WV5KntaEeXS1j82E375xxhWMHXyvjYecPT9fpwR_M9gV8n9Hrh2anTpTD9"
       "3Dt62ypW3yDsJzBnTnrYu1iwWRgBKrEYY46qAZIrA2xAwnm2X7uGR1hghk"
       "qDp0Vqj3kbSCz1XyfCs6_LehBwtxHIyh8Ripy40p24moOAbgxVw3rxT_vl"
       "t3UVe4WO3JkJOzlpUf-KTVI2Ptgm-dARxTEtE-id-4OJr0h-K-VFs3VSnd"
       "VTIznSxfyrj8ILL6MG_Uv8YAu7VILSB3lOW085-4qE3DzgrTjgyQ"},
      {"p",
       "1r52Xk46c-LsfB5P442p7atdPUrxQSy4mti_tZI3Mgf2EuFVbUoDBvaRQ-"
       "SWxkbkmoEzL7JXroSBjSrK3YIQgYdMgyAEPTPjXv_hI2_1eTSPVZfzL0lf"
       "fNn03IXqWF5MDFuoUYE0hzb2vhrlN_rKrbfDIwUbTrjjgieRbwC6Cl0"},
      {"q",
       "wLb35x7hmQWZsWJmB_vle87ihgZ19S8lBEROLIsZG4ayZVe9Hi9gDVCOBm"
       "UDdaDYVTSNx_8Fyw1YYa9XGrGnDew00J28cRUoeBB_jKI1oma0Orv1T9aX"
       "IWxKwd4gvxFImOWr3QRL9KEBRzk2RatUBnmDZJTIAfwTs0g68UZHvtc"},
      {"dp",
       "ZK-YwE7diUh0qR1tR7w8WHtolDx3MZ_OTowiFvgfeQ3SiresXjm9gZ5KL"
       "hMXvo-uz-KUJWDxS5pFQ_M0evdo1dKiRTjVw_x4NyqyXPM5nULPkcpU827"
       "rnpZzAJKpdhWAgqrXGKAECQH0Xt4taznjnd_zVpAmZZq60WPMBMfKcuE"},
      {"dq",
       "Dq0gfgJ1DdFGXiLvQEZnuKEN0UUmsJBxkjydc3j4ZYdBiMRAy86x0vHCj"
       "ywcMlYYg4yoC4YZa9hNVcsjqA3FeiL19rk8g6Qn29Tt0cj8qqyFpz9vNDB"
       "UfCAiJVeESOjJDZPYHdHY8v1b-o-Z2X5tvLx-TCekf7oxyeKDUqKWjis"},
      {"qi",
       "VIMpMYbPf47dT1w_zDUXfPimsSegnMOA1zTaX7aGk_8urY6R8-ZW1FxU7"
       "AlWAyLWybqq6t16VFd7hQd0y6flUK4SlOydB61gwanOsXGOAOv82cHq0E3"
       "eL4HrtZkUuKvnPrMnsUUFlfUdybVzxyjz9JF_XyaY14ardLSjf4L_FNY"},
  };
}

// ---- RFC 7520 section 5 plaintext ----------------------------------------------------------------
const std::string kRfc7520Plaintext =
    "You can trust us to stick with you through thick and thin\xe2\x80\x93"
    "to the bitter end. And you can trust us to keep any secret of yours\xe2\x80\x93"
    "closer than you keep it yourself. But you cannot trust us to let you face trouble alone, and go off "
    "without a word. We are your friends, Frodo.";

// ---- RFC 7520 section 5.2: RSA-OAEP + A256GCM, 4096-bit key --------------------------------------
nlohmann::json rfc7520_5_2_jwk() {
  return {
      {"kty", "RSA"},
      {"kid", "samwise.gamgee@hobbiton.example"},
      {"use", "enc"},
      {"alg", "RSA-OAEP"},
      {"n",
       "wbdxI55VaanZXPY29Lg5hdmv2XhvqAhoxUkanfzf2-5zVUxa6prHRr"
       "I4pP1AhoqJRlZfYtWWd5mmHRG2pAHIlh0ySJ9wi0BioZBl1XP2e-C-Fy"
       "XJGcTy0HdKQWlrfhTm42EW7Vv04r4gfao6uxjLGwfpGrZLarohiWCPnk"
       "Nrg71S2CuNZSQBIPGjXfkmIy2tl_VWgGnL22GplyXj5YlBLdxXp3XeSt"
       "sqo571utNfoUTU8E4qdzJ3U1DItoVkPGsMwlmmnJiwA7sXRItBCivR4M"
       "5qnZtdw-7v4WuR4779ubDuJ5nalMv2S66-RPcnFAzWSKxtBDnFJJDGIU"
       "e7Tzizjg1nms0Xq_yPub_UOlWn0ec85FCft1hACpWG8schrOBeNqHBOD"
       "FskYpUc2LC5JA2TaPF2dA67dg1TTsC_FupfQ2kNGcE1LgprxKHcVWYQb"
       "86B-HozjHZcqtauBzFNV5tbTuB-TpkcvJfNcFLlH3b8mb-H_ox35FjqB"
       "SAjLKyoeqfKTpVjvXhd09knwgJf6VKq6UC418_TOljMVfFTWXUxlnfhO"
       "OnzW6HSSzD1c9WrCuVzsUMv54szidQ9wf1cYWf3g5qFDxDQKis99gcDa"
       "iCAwM3yEBIzuNeeCa5dartHDb1xEB_HcHSeYbghbMjGfasvKn0aZRsnT"
       "yC0xhWBlsolZE"},
      {"e", "AQAB"},
      {"d",
       "n7fzJc3_WG59VEOBTkayzuSMM780OJQuZjN_KbH8lOZG25ZoA7T4Bx"
       "cc0xQn5oZE5uSCIwg91oCt0JvxPcpmqzaJZg1nirjcWZ-oBtVk7gCAWq"
       "-B3qhfF3izlbkosrzjHajIcY33HBhsy4_WerrXg4MDNE4HYojy68TcxT"
       "2LYQRxUOCf5TtJXvM8olexlSGtVnQnDRutxEUCwiewfmmrfveEogLx9E"
       "A-KMgAjTiISXxqIXQhWUQX1G7v_mV_Hr2YuImYcNcHkRvp9E7ook0876"
       "DhkO8v4UOZLwA1OlUX98mkoqwc58A_Y2lBYbVx1_s5lpPsEqbbH-nqIj"
       "h1fL0gdNfihLxnclWtW7pCztLnImZAyeCWAG7ZIfv-Rn9fLIv9jZ6r7r"
       "-MSH9sqbuziHN2grGjD_jfRluMHa0l84fFKl6bcqN1JWxPVhzNZo01yD"
       "F-1LiQnqUYSepPf6X3a2SOdkqBRiquE6EvLuSYIDpJq3jDIsgoL8Mo1L"
       "oomgiJxUwL_GWEOGu28gplyzm-9Q0U0nyhEf1uhSR8aJAQWAiFImWH5W"
       "_IQT9I7-yrindr_2fWQ_i1UgMsGzA7aOGzZfPljRy6z-tY_KuBG00-28"
       "S_aWvjyUc-Alp8AUyKjBZ-7CWH32fGWK48j1t-zomrwjL_mnhsPbGs0c"
       "9WsWgRzI-K8gE"},
      {"p",
       "7_2v3OQZzlPFcHyYfLABQ3XP85Es4hCdwCkbDeltaUXgVy9l9etKgh"
       "vM4hRkOvbb01kYVuLFmxIkCDtpi-zLCYAdXKrAK3PtSbtzld_XZ9nlsY"
       "a_QZWpXB_IrtFjVfdKUdMz94pHUhFGFj7nr6NNxfpiHSHWFE1zD_AC3m"
       "Y46J961Y2LRnreVwAGNw53p07Db8yD_92pDa97vqcZOdgtybH9q6uma-"
       "RFNhO1AoiJhYZj69hjmMRXx-x56HO9cnXNbmzNSCFCKnQmn4GQLmRj9s"
       "fbZRqL94bbtE4_e0Zrpo8RNo8vxRLqQNwIy85fc6BRgBJomt8QdQvIgP"
       "gWCv5HoQ"},
      {"q",
       "zqOHk1P6WN_rHuM7ZF1cXH0x6RuOHq67WuHiSknqQeefGBA9PWs6Zy"
       "KQCO-O6mKXtcgE8_Q_hA2kMRcKOcvHil1hqMCNSXlflM7WPRPZu2qCDc"
       "qssd_uMbP-DqYthH_EzwL9KnYoH7JQFxxmcv5An8oXUtTwk4knKjkIYG"
       "RuUwfQTus0w1NfjFAyxOOiAQ37ussIcE6C6ZSsM3n41UlbJ7TCqewzVJ"
       "aPJN5cxjySPZPD3Vp01a9YgAD6a3IIaKJdIxJS1ImnfPevSJQBE79-EX"
       "e2kSwVgOzvt-gsmM29QQ8veHy4uAqca5dZzMs7hkkHtw1z0jHV90epQJ"
       "JlXXnH8Q"},
      {"dp",
       "19oDkBh1AXelMIxQFm2zZTqUhAzCIr4xNIGEPNoDt1jK83_FJA-xn"
       "x5kA7-1erdHdms_Ef67HsONNv5A60JaR7w8LHnDiBGnjdaUmmuO8XAxQ"
       "J_ia5mxjxNjS6E2yD44USo2JmHvzeeNczq25elqbTPLhUpGo1IZuG72F"
       "ZQ5gTjXoTXC2-xtCDEUZfaUNh4IeAipfLugbpe0JAFlFfrTDAMUFpC3i"
       "XjxqzbEanflwPvj6V9iDSgjj8SozSM0dLtxvu0LIeIQAeEgT_yXcrKGm"
       "pKdSO08kLBx8VUjkbv_3Pn20Gyu2YEuwpFlM_H1NikuxJNKFGmnAq9Lc"
       "nwwT0jvoQ"},
      {"dq",
       "S6p59KrlmzGzaQYQM3o0XfHCGvfqHLYjCO557HYQf72O9kLMCfd_1"
       "VBEqeD-1jjwELKDjck8kOBl5UvohK1oDfSP1DleAy-cnmL29DqWmhgwM"
       "1ip0CCNmkmsmDSlqkUXDi6sAaZuntyukyflI-qSQ3C_BafPyFaKrt1fg"
       "dyEwYa08pESKwwWisy7KnmoUvaJ3SaHmohFS78TJ25cfc10wZ9hQNOrI"
       "ChZlkiOdFCtxDqdmCqNacnhgE3bZQjGp3n83ODSz9zwJcSUvODlXBPc2"
       "AycH6Ci5yjbxt4Ppox_5pjm6xnQkiPgj01GpsUssMmBN7iHVsrE7N2iz"
       "nBNCeOUIQ"},
      {"qi",
       "FZhClBMywVVjnuUud-05qd5CYU0dK79akAgy9oX6RX6I3IIIPckCc"
       "iRrokxglZn-omAY5CnCe4KdrnjFOT5YUZE7G_Pg44XgCXaarLQf4hl80"
       "oPEf6-jJ5Iy6wPRx7G2e8qLxnh9cOdf-kRqgOS3F48Ucvw3ma5V6KGMw"
       "QqWFeV31XtZ8l5cVI-I3NzBS7qltpUVgz2Ju021eyc7IlqgzR98qKONl"
       "27DuEES0aK0WE97jnsyO27Yp88Wa2RiBrEocM89QZI1seJiGDizHRUP4"
       "UZxw9zsXww46wy0P6f9grnYp7t8LkyDDk8eoI4KX6SNMNVcyVS9IWjlq"
       "8EzqZEKIA"},
  };
}
nlohmann::json rfc7520_5_2_flattened() {
  return {
      {"protected",
       "eyJhbGciOiJSU0EtT0FFUCIsImtpZCI6InNhbXdpc2UuZ2FtZ2VlQGhvYmJpdG"
       "9uLmV4YW1wbGUiLCJlbmMiOiJBMjU2R0NNIn0"},
      {"encrypted_key",
       "rT99rwrBTbTI7IJM8fU3Eli7226HEB7IchCxNuh7lCiud48LxeolRdtFF4nzQi"
       "beYOl5S_PJsAXZwSXtDePz9hk-BbtsTBqC2UsPOdwjC9NhNupNNu9uHIVftDyu"
       "cvI6hvALeZ6OGnhNV4v1zx2k7O1D89mAzfw-_kT3tkuorpDU-CpBENfIHX1Q58"
       "-Aad3FzMuo3Fn9buEP2yXakLXYa15BUXQsupM4A1GD4_H4Bd7V3u9h8Gkg8Bpx"
       "KdUV9ScfJQTcYm6eJEBz3aSwIaK4T3-dwWpuBOhROQXBosJzS1asnuHtVMt2pK"
       "IIfux5BC6huIvmY7kzV7W7aIUrpYm_3H4zYvyMeq5pGqFmW2k8zpO878TRlZx7"
       "pZfPYDSXZyS0CfKKkMozT_qiCwZTSz4duYnt8hS4Z9sGthXn9uDqd6wycMagnQ"
       "fOTs_lycTWmY-aqWVDKhjYNRf03NiwRtb5BE-tOdFwCASQj3uuAgPGrO2AWBe3"
       "8UjQb0lvXn1SpyvYZ3WFc7WOJYaTa7A8DRn6MC6T-xDmMuxC0G7S2rscw5lQQU"
       "06MvZTlFOt0UvfuKBa03cxA_nIBIhLMjY2kOTxQMmpDPTr6Cbo8aKaOnx6ASE5"
       "Jx9paBpnNmOOKH35j_QlrQhDWUN6A2Gg8iFayJ69xDEdHAVCGRzN3woEI2ozDR"
       "s"},
      {"iv", "-nBoKLH0YkLZPSI9"},
      {"ciphertext",
       "o4k2cnGN8rSSw3IDo1YuySkqeS_t2m1GXklSgqBdpACm6UJuJowOHC5ytjqYgR"
       "L-I-soPlwqMUf4UgRWWeaOGNw6vGW-xyM01lTYxrXfVzIIaRdhYtEMRBvBWbEw"
       "P7ua1DRfvaOjgZv6Ifa3brcAM64d8p5lhhNcizPersuhw5f-pGYzseva-TUaL8"
       "iWnctc-sSwy7SQmRkfhDjwbz0fz6kFovEgj64X1I5s7E6GLp5fnbYGLa1QUiML"
       "7Cc2GxgvI7zqWo0YIEc7aCflLG1-8BboVWFdZKLK9vNoycrYHumwzKluLWEbSV"
       "maPpOslY2n525DxDfWaVFUfKQxMF56vn4B9QMpWAbnypNimbM8zVOw"},
      {"tag", "UCGiqJxhBI3IFVdPalHHvA"},
  };
}

// ---- RFC 7520 section 5.4: ECDH-ES+A128KW + A128GCM, P-384 ------------------------------------------
nlohmann::json rfc7520_5_4_jwk() {
  return {{"kty", "EC"},
          {"kid", "peregrin.took@tuckborough.example"},
          {"use", "enc"},
          {"crv", "P-384"},
          {"x", "YU4rRUzdmVqmRtWOs2OpDE_T5fsNIodcG8G5FWPrTPMyxpzsSOGaQLpe2FpxBmu2"},
          {"y", "A8-yxCHxkfBz3hKZfI1jUYMjUhsEveZ9THuwFjH2sCNdtksRJU7D5-SkgaFL1ETP"},
          {"d", "iTx2pk7wW-GqJkHcEkFQb2EFyYcO7RugmaW3mRrQVAOUiPommT0IdnYK2xDlZh-j"}};
}
nlohmann::json rfc7520_5_4_epk() {
  return {{"kty", "EC"},
          {"crv", "P-384"},
          {"x", "uBo4kHPw6kbjx5l0xowrd_oYzBmaz-GKFZu4xAFFkbYiWgutEK6iuEDsQ6wNdNg3"},
          {"y", "sp3p5SGhZVC2faXumI-e9JU2Mo8KpoYrFDr5yPNVtW4PgEwZOyQTA-JdaY8tb7E0"},
          {"d", "D5H4Y_5PSKZvhfVFbcCYJOtcGZygRgfZkpsBr59Icmmhe9sW6nkZ8WfwhinUfWJg"}};
}
const char* const k54Cek = "Nou2ueKlP70ZXDbq9UrRwg";
const char* const k54Iv = "mH-G2zVqgztUtnW_";
const char* const k54EncryptedKey = "0DJjBXri_kBcC46IkU5_Jk9BqaQeHdv2";
const char* const k54Protected =
    "eyJhbGciOiJFQ0RILUVTK0ExMjhLVyIsImtpZCI6InBlcmVncmluLnRvb2tAdH"
    "Vja2Jvcm91Z2guZXhhbXBsZSIsImVwayI6eyJrdHkiOiJFQyIsImNydiI6IlAt"
    "Mzg0IiwieCI6InVCbzRrSFB3Nmtiang1bDB4b3dyZF9vWXpCbWF6LUdLRlp1NH"
    "hBRkZrYllpV2d1dEVLNml1RURzUTZ3TmROZzMiLCJ5Ijoic3AzcDVTR2haVkMy"
    "ZmFYdW1JLWU5SlUyTW84S3BvWXJGRHI1eVBOVnRXNFBnRXdaT3lRVEEtSmRhWT"
    "h0YjdFMCJ9LCJlbmMiOiJBMTI4R0NNIn0";
const char* const k54Ciphertext =
    "tkZuOO9h95OgHJmkkrfLBisku8rGf6nzVxhRM3sVOhXgz5NJ76oID7lpnAi_cP"
    "WJRCjSpAaUZ5dOR3Spy7QuEkmKx8-3RCMhSYMzsXaEwDdXta9Mn5B7cCBoJKB0"
    "IgEnj_qfo1hIi-uEkUpOZ8aLTZGHfpl05jMwbKkTe2yK3mjF6SBAsgicQDVCkc"
    "Y9BLluzx1RmC3ORXaM0JaHPB93YcdSDGgpgBWMVrNU1ErkjcMqMoT_wtCex3w0"
    "3XdLkjXIuEr2hWgeP-nkUZTPU9EoGSPj6fAS-bSz87RCPrxZdj_iVyC6QWcqAu"
    "07WNhjzJEPc4jVntRJ6K53NgPQ5p99l3Z408OUqj4ioYezbS6vTPlQ";
const char* const k54Tag = "WuGzxmcreYjpHGJoa17EBg";

Key load(const nlohmann::json& jwk) {
  auto k = key_from_jwk(jwk);
  EXPECT_TRUE(k.ok()) << (k.ok() ? "" : k.error().code + ": " + k.error().message);
  return k.ok() ? *k : Key();
}

Bytes unb64u(std::string_view s) {
  auto b = base64url_decode(s);
  EXPECT_TRUE(b.has_value()) << s;
  return b.value_or(Bytes{});
}

Jwe make_jwe(const char* protected_b64, const char* encrypted_key, const char* iv, const char* ciphertext,
             const char* tag) {
  Jwe jwe;
  jwe.protected_b64 = protected_b64;
  jwe.encrypted_key = encrypted_key;
  jwe.iv = iv;
  jwe.ciphertext = ciphertext;
  jwe.tag = tag;
  return jwe;
}

nlohmann::json recipient(const Key& key, const char* alg) {
  nlohmann::json jwk = public_jwk(key);
  jwk["alg"] = alg;
  return jwk;
}

Jwe encrypt(std::string_view plaintext, const nlohmann::json& jwk, const JweEncryptOptions& options = {}) {
  auto r = jwe_encrypt(as_bytes(plaintext), jwk, options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  return r.ok() ? *r : Jwe{};
}

std::string decrypt_text(const Jwe& jwe, const Key& key) {
  auto r = jwe_decrypt(jwe, key);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code + ": " + r.error().message);
  return r.ok() ? to_string(*r) : "";
}

std::string decrypt_code(const Jwe& jwe, const Key& key) {
  auto r = jwe_decrypt(jwe, key);
  return r.ok() ? "ok" : r.error().code;
}

std::string encrypt_code(const nlohmann::json& jwk, const JweEncryptOptions& options = {}) {
  auto r = jwe_encrypt(as_bytes(std::string_view("x")), jwk, options);
  return r.ok() ? "ok" : r.error().code;
}

// Another base64url character at `pos` (never the last one, which may carry padding bits).
std::string flip(std::string s, std::size_t pos = 2) {
  s[pos] = s[pos] == 'A' ? 'B' : 'A';
  return s;
}

Key rsa_a1() {
  static const Key key = load(a1_jwk());
  return key;
}

}  // namespace

TEST(Jwe, Rfc7516A1RsaOaepDecrypt) {
  Jwe jwe = make_jwe(kA1Protected, kA1EncryptedKey, kA1Iv, kA1Ciphertext, kA1Tag);
  EXPECT_EQ(decrypt_text(jwe, rsa_a1()), kA1Plaintext);
}

TEST(Jwe, Rfc7520Section52RsaOaepDecrypt) {
  auto jwe = Jwe::from_json(rfc7520_5_2_flattened());
  ASSERT_TRUE(jwe.ok());
  Key key = load(rfc7520_5_2_jwk());
  EXPECT_EQ(key.bits(), 4096);
  EXPECT_EQ(decrypt_text(*jwe, key), kRfc7520Plaintext);
}

TEST(Jwe, Rfc7520Section54EcdhDecryptFlattenedAndGeneral) {
  Key key = load(rfc7520_5_4_jwk());
  const nlohmann::json flattened = {{"protected", k54Protected},
                                    {"encrypted_key", k54EncryptedKey},
                                    {"iv", k54Iv},
                                    {"ciphertext", k54Ciphertext},
                                    {"tag", k54Tag}};
  auto flat = Jwe::from_json(flattened);
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(decrypt_text(*flat, key), kRfc7520Plaintext);

  const nlohmann::json general = {{"recipients", {{{"encrypted_key", k54EncryptedKey}}}},
                                  {"protected", k54Protected},
                                  {"iv", k54Iv},
                                  {"ciphertext", k54Ciphertext},
                                  {"tag", k54Tag}};
  auto gen = Jwe::from_json(general);
  ASSERT_TRUE(gen.ok());
  EXPECT_EQ(gen->encrypted_key, k54EncryptedKey);
  EXPECT_EQ(decrypt_text(*gen, key), kRfc7520Plaintext);
}

// RFC 7520 5.4 with the published CEK, IV and ephemeral key. The RFC's protected header orders its members
// alg, kid, epk, enc; ours is alg, enc, epk, kid (jose.h's fixed order), so the AAD differs and with it the
// tag. Everything that does not depend on the AAD must match exactly: the wrapped CEK (ECDH + Concat KDF +
// AES-KW) and the GCM ciphertext. The published tag is then shown to be what GCM gives for the published
// header: our ciphertext under the published header and tag decrypts.
TEST(Jwe, Rfc7520Section54EcdhReproduce) {
  Key key = load(rfc7520_5_4_jwk());
  JweEncryptOptions opts;
  opts.enc = "A128GCM";
  opts.cek = unb64u(k54Cek);
  opts.iv = unb64u(k54Iv);
  opts.ephemeral_key = load(rfc7520_5_4_epk());
  opts.extra_header = {{"kid", "peregrin.took@tuckborough.example"}};
  Jwe jwe = encrypt(kRfc7520Plaintext, recipient(key, "ECDH-ES+A128KW"), opts);
  EXPECT_EQ(jwe.encrypted_key, k54EncryptedKey);
  EXPECT_EQ(jwe.iv, k54Iv);
  EXPECT_EQ(jwe.ciphertext, k54Ciphertext);
  EXPECT_EQ(to_string(unb64u(jwe.protected_b64)),
            R"({"alg":"ECDH-ES+A128KW","enc":"A128GCM","epk":{"crv":"P-384","kty":"EC",)"
            R"("x":"uBo4kHPw6kbjx5l0xowrd_oYzBmaz-GKFZu4xAFFkbYiWgutEK6iuEDsQ6wNdNg3",)"
            R"("y":"sp3p5SGhZVC2faXumI-e9JU2Mo8KpoYrFDr5yPNVtW4PgEwZOyQTA-JdaY8tb7E0"},)"
            R"("kid":"peregrin.took@tuckborough.example"})");
  EXPECT_EQ(decrypt_text(jwe, key), kRfc7520Plaintext);

  Jwe published_header = jwe;
  published_header.protected_b64 = k54Protected;
  published_header.tag = k54Tag;
  EXPECT_EQ(decrypt_text(published_header, key), kRfc7520Plaintext);
}

// RFC 7520 5.1 uses A128CBC-HS256, which this implementation does not offer.
TEST(Jwe, Rfc7520Section51CbcIsUnsupported) {
  Jwe jwe = make_jwe(
      "eyJhbGciOiJSU0ExXzUiLCJraWQiOiJmcm9kby5iYWdnaW5zQGhvYmJpdG9uLmV4YW1wbGUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In"
      "0",
      "AAAA", "bbd5sTkYwhAIqfHsx8DayA", "AAAA", "kvKuFBXHe5mQr4lqgobAUg");
  EXPECT_EQ(decrypt_code(jwe, rsa_a1()), "jose.jwe_unsupported");
}

// RFC 7518 appendix C: Z from the example's ECDH, AlgorithmID "A128GCM", apu "Alice", apv "Bob".
TEST(Jwe, ConcatKdfRfc7518AppendixC) {
  const Bytes z = {158, 86, 217, 29,  129, 113, 53,  211, 114, 131, 66,  131, 191, 132, 38,  156,
                   251, 49, 110, 163, 218, 128, 106, 72,  246, 218, 167, 121, 140, 254, 144, 196};
  const Bytes derived = concat_kdf_sha256(z, "A128GCM", as_bytes("Alice"), as_bytes("Bob"), 128);
  EXPECT_EQ(base64url_encode(derived), "VqqN6vgjbSBcIijNcacQGg");
  // Longer outputs chain further rounds; the 256-bit output is round 1 alone.
  const Bytes wide = concat_kdf_sha256(z, "A128GCM", as_bytes("Alice"), as_bytes("Bob"), 512);
  EXPECT_EQ(wide.size(), 64u);
  EXPECT_NE(Bytes(wide.begin(), wide.begin() + 16), derived);  // keydatalen is part of the input
}

TEST(Jwe, EcdhRoundTripEveryCurveAndEnc) {
  for (Curve curve : {Curve::p256, Curve::p384, Curve::p521}) {
    Key key = generate_ec_key(curve);
    for (const char* alg : {"ECDH-ES+A256KW", "ECDH-ES+A128KW"}) {
      for (const char* enc : {"A256GCM", "A128GCM"}) {
        JweEncryptOptions opts;
        opts.enc = enc;
        Jwe jwe = encrypt("resource secret", recipient(key, alg), opts);
        EXPECT_EQ(decrypt_text(jwe, key), "resource secret") << alg << " " << enc;
        const std::string header = to_string(unb64u(jwe.protected_b64));
        const std::string prefix =
            std::string(R"({"alg":")") + alg + R"(","enc":")" + enc + R"(","epk":{"crv":")";
        EXPECT_EQ(header.substr(0, prefix.size()), prefix);
        EXPECT_EQ(unb64u(jwe.encrypted_key).size(), std::string(enc) == "A256GCM" ? 40u : 24u);
        EXPECT_EQ(unb64u(jwe.iv).size(), 12u);
        EXPECT_EQ(unb64u(jwe.tag).size(), 16u);
      }
    }
  }
}

TEST(Jwe, RsaRoundTripEveryPaddingAndEnc) {
  for (const char* alg : {"RSA-OAEP-256", "RSA-OAEP", "RSA1_5"}) {
    for (const char* enc : {"A256GCM", "A128GCM"}) {
      JweEncryptOptions opts;
      opts.enc = enc;
      Jwe jwe = encrypt("resource secret", recipient(rsa_a1(), alg), opts);
      EXPECT_EQ(decrypt_text(jwe, rsa_a1()), "resource secret") << alg << " " << enc;
      EXPECT_EQ(to_string(unb64u(jwe.protected_b64)),
                std::string(R"({"alg":")") + alg + R"(","enc":")" + enc + "\"}");
    }
  }
  // The same with a generated key and an empty plaintext.
  Key fresh = generate_rsa_key(2048);
  EXPECT_EQ(decrypt_text(encrypt("", recipient(fresh, "RSA-OAEP-256")), fresh), "");
}

TEST(Jwe, ApuApvInTheHeaderFeedTheKdf) {
  Key key = generate_ec_key(Curve::p256);
  JweEncryptOptions opts;
  opts.extra_header = {{"apu", base64url_encode(as_bytes("Alice"))},
                       {"apv", base64url_encode(as_bytes("Bob"))}};
  Jwe jwe = encrypt("x", recipient(key, "ECDH-ES+A256KW"), opts);
  EXPECT_EQ(decrypt_text(jwe, key), "x");
  // Strip apu from the header: the recipient derives another KEK and the unwrap fails.
  nlohmann::json header = nlohmann::json::parse(to_string(unb64u(jwe.protected_b64)));
  header.erase("apu");
  Jwe altered = jwe;
  altered.protected_b64 = base64url_encode(as_bytes(header.dump()));
  EXPECT_EQ(decrypt_code(altered, key), "jose.jwe_decrypt_failed");
}

TEST(Jwe, TamperingFailsDecryption) {
  Key ec = generate_ec_key(Curve::p384);
  const std::pair<Jwe, Key> cases[] = {
      {encrypt("top secret", recipient(ec, "ECDH-ES+A256KW")), ec},
      {encrypt("top secret", recipient(rsa_a1(), "RSA-OAEP-256")), rsa_a1()},
      {encrypt("top secret", recipient(rsa_a1(), "RSA-OAEP")), rsa_a1()},
      {encrypt("top secret", recipient(rsa_a1(), "RSA1_5")), rsa_a1()},
  };
  for (const auto& [jwe, key] : cases) {
    ASSERT_EQ(decrypt_text(jwe, key), "top secret");
    Jwe t = jwe;
    t.tag = flip(jwe.tag);
    EXPECT_EQ(decrypt_code(t, key), "jose.jwe_decrypt_failed");
    t = jwe;
    t.ciphertext = flip(jwe.ciphertext);
    EXPECT_EQ(decrypt_code(t, key), "jose.jwe_decrypt_failed");
    t = jwe;
    t.encrypted_key = flip(jwe.encrypted_key);
    EXPECT_EQ(decrypt_code(t, key), "jose.jwe_decrypt_failed");
    t = jwe;
    t.iv = flip(jwe.iv);
    EXPECT_EQ(decrypt_code(t, key), "jose.jwe_decrypt_failed");
    // A header that still parses but differs changes the AAD.
    t = jwe;
    t.protected_b64 = base64url_encode(as_bytes(to_string(unb64u(jwe.protected_b64)) + " "));
    EXPECT_EQ(decrypt_code(t, key), "jose.jwe_decrypt_failed");
    // An aad member the sender never authenticated.
    t = jwe;
    t.aad = base64url_encode(as_bytes("extra"));
    EXPECT_EQ(decrypt_code(t, key), "jose.jwe_decrypt_failed");
    // A truncated encrypted key.
    t = jwe;
    Bytes ek = unb64u(jwe.encrypted_key);
    ek.resize(ek.size() - 8);
    t.encrypted_key = base64url_encode(ek);
    EXPECT_EQ(decrypt_code(t, key), "jose.jwe_decrypt_failed");
  }
}

TEST(Jwe, WrongKeys) {
  Key p256 = generate_ec_key(Curve::p256);
  Jwe ecdh = encrypt("x", recipient(p256, "ECDH-ES+A256KW"));
  Jwe rsa = encrypt("x", recipient(rsa_a1(), "RSA-OAEP-256"));
  Key ed = ed25519_key_from_seed(as_bytes("seed"), "jwe");
  EXPECT_EQ(decrypt_code(ecdh, rsa_a1()), "jose.jwe_unsupported");
  EXPECT_EQ(decrypt_code(ecdh, ed), "jose.jwe_unsupported");
  EXPECT_EQ(decrypt_code(ecdh, Key()), "jose.jwe_unsupported");
  EXPECT_EQ(decrypt_code(rsa, p256), "jose.jwe_unsupported");
  EXPECT_EQ(decrypt_code(rsa, ed), "jose.jwe_unsupported");
  EXPECT_EQ(decrypt_code(ecdh, generate_ec_key(Curve::p256)), "jose.jwe_decrypt_failed");
  EXPECT_EQ(decrypt_code(ecdh, generate_ec_key(Curve::p384)), "jose.jwe_decrypt_failed");
  EXPECT_EQ(decrypt_code(rsa, load(rfc7520_5_2_jwk())), "jose.jwe_decrypt_failed");
  // A public key cannot decrypt.
  auto pub = key_from_jwk(public_jwk(p256));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(decrypt_code(ecdh, *pub), "jose.jwe_decrypt_failed");
}

TEST(Jwe, EncryptRejectsUnsupportedCombinations) {
  Key ec = generate_ec_key(Curve::p256);
  EXPECT_EQ(encrypt_code(public_jwk(ec)), "jose.jwe_unsupported");  // no alg
  EXPECT_EQ(encrypt_code(recipient(ec, "ECDH-ES")), "jose.jwe_unsupported");
  EXPECT_EQ(encrypt_code(recipient(ec, "ECDH-ES+A192KW")), "jose.jwe_unsupported");
  EXPECT_EQ(encrypt_code(recipient(ec, "RSA-OAEP-256")), "jose.jwe_unsupported");
  EXPECT_EQ(encrypt_code(recipient(rsa_a1(), "ECDH-ES+A256KW")), "jose.jwe_unsupported");
  EXPECT_EQ(encrypt_code(recipient(ed25519_key_from_seed(as_bytes("s"), "l"), "ECDH-ES+A256KW")),
            "jose.jwe_unsupported");
  EXPECT_EQ(encrypt_code({{"kty", "oct"}, {"k", "AAAA"}, {"alg", "A256KW"}}), "jose.jwe_unsupported");
  EXPECT_EQ(encrypt_code({{"kty", "oct"}, {"k", "AAAA"}, {"alg", "RSA-OAEP"}}), "jose.jwe_unsupported");
  JweEncryptOptions cbc;
  cbc.enc = "A128CBC-HS256";
  EXPECT_EQ(encrypt_code(recipient(ec, "ECDH-ES+A256KW"), cbc), "jose.jwe_unsupported");
  JweEncryptOptions bad_cek;
  bad_cek.cek = Bytes(16, 1);  // A256GCM needs 32
  EXPECT_EQ(encrypt_code(recipient(ec, "ECDH-ES+A256KW"), bad_cek), "jose.jwe_unsupported");
  JweEncryptOptions bad_iv;
  bad_iv.iv = Bytes(16, 1);
  EXPECT_EQ(encrypt_code(recipient(ec, "ECDH-ES+A256KW"), bad_iv), "jose.jwe_unsupported");
  JweEncryptOptions wrong_curve;
  wrong_curve.ephemeral_key = generate_ec_key(Curve::p384);
  EXPECT_EQ(encrypt_code(recipient(ec, "ECDH-ES+A256KW"), wrong_curve), "jose.jwe_unsupported");
  JweEncryptOptions override_alg;
  override_alg.extra_header = {{"alg", "none"}};
  EXPECT_EQ(encrypt_code(recipient(ec, "ECDH-ES+A256KW"), override_alg), "jose.jwe_unsupported");
  JweEncryptOptions bad_utf8;
  bad_utf8.extra_header = {{"kid", "\xff"}};
  EXPECT_EQ(encrypt_code(recipient(ec, "ECDH-ES+A256KW"), bad_utf8), "jose.jwe_unsupported");

  // Broken recipient keys are JWK errors.
  EXPECT_EQ(encrypt_code(nlohmann::json::array()), "jose.jwk_invalid");
  nlohmann::json off_curve = recipient(ec, "ECDH-ES+A256KW");
  Bytes y = unb64u(off_curve["y"].get<std::string>());
  y[5] ^= 1;
  off_curve["y"] = base64url_encode(y);
  EXPECT_EQ(encrypt_code(off_curve), "jose.jwk_invalid");
}

TEST(Jwe, DecryptRejectsMalformedInput) {
  Key ec = generate_ec_key(Curve::p256);
  const Jwe good = encrypt("x", recipient(ec, "ECDH-ES+A256KW"));
  auto with_header = [&](const std::string& header_json) {
    Jwe j = good;
    j.protected_b64 = base64url_encode(as_bytes(header_json));
    return decrypt_code(j, ec);
  };
  nlohmann::json header = nlohmann::json::parse(to_string(unb64u(good.protected_b64)));

  Jwe j = good;
  j.protected_b64 = "not base64!";
  EXPECT_EQ(decrypt_code(j, ec), "jose.jwe_malformed");
  EXPECT_EQ(with_header("not json"), "jose.jwe_malformed");
  EXPECT_EQ(with_header("[]"), "jose.jwe_malformed");
  EXPECT_EQ(with_header(R"({"alg":"ECDH-ES+A256KW"})"), "jose.jwe_malformed");
  EXPECT_EQ(with_header(R"({"alg":"ECDH-ES+A256KW","enc":7})"), "jose.jwe_malformed");
  EXPECT_EQ(with_header(R"({"alg":"dir","enc":"A256GCM"})"), "jose.jwe_unsupported");
  EXPECT_EQ(with_header(R"({"alg":"ECDH-ES+A256KW","enc":"A192GCM"})"), "jose.jwe_unsupported");
  nlohmann::json zip = header;
  zip["zip"] = "DEF";
  EXPECT_EQ(with_header(zip.dump()), "jose.jwe_unsupported");
  nlohmann::json crit = header;
  crit["crit"] = {"exp"};
  EXPECT_EQ(with_header(crit.dump()), "jose.jwe_unsupported");
  nlohmann::json no_epk = header;
  no_epk.erase("epk");
  EXPECT_EQ(with_header(no_epk.dump()), "jose.jwe_malformed");
  nlohmann::json rsa_epk = header;
  rsa_epk["epk"] = public_jwk(rsa_a1());
  EXPECT_EQ(with_header(rsa_epk.dump()), "jose.jwe_malformed");
  nlohmann::json off_curve = header;
  Bytes y = unb64u(off_curve["epk"]["y"].get<std::string>());
  y[3] ^= 1;
  off_curve["epk"]["y"] = base64url_encode(y);
  EXPECT_EQ(with_header(off_curve.dump()), "jose.jwe_malformed");
  nlohmann::json bad_apu = header;
  bad_apu["apu"] = 1;
  EXPECT_EQ(with_header(bad_apu.dump()), "jose.jwe_malformed");

  j = good;
  j.iv = base64url_encode(Bytes(16, 0));
  EXPECT_EQ(decrypt_code(j, ec), "jose.jwe_malformed");
  j = good;
  j.tag = base64url_encode(Bytes(12, 0));
  EXPECT_EQ(decrypt_code(j, ec), "jose.jwe_malformed");
  j = good;
  j.ciphertext = "a+b";
  EXPECT_EQ(decrypt_code(j, ec), "jose.jwe_malformed");
  j = good;
  j.encrypted_key += "=";
  EXPECT_EQ(decrypt_code(j, ec), "jose.jwe_malformed");
  j = good;
  j.aad = "%%";
  EXPECT_EQ(decrypt_code(j, ec), "jose.jwe_malformed");
  EXPECT_EQ(decrypt_code(Jwe{}, ec), "jose.jwe_malformed");
}

TEST(Jwe, JsonTextOrderAndParsing) {
  Jwe jwe = make_jwe("p", "k", "i", "c", "t");
  EXPECT_EQ(jwe.to_json_text(),
            R"({"protected":"p","encrypted_key":"k","iv":"i","ciphertext":"c","tag":"t"})");
  jwe.aad = "a";
  EXPECT_EQ(jwe.to_json_text(),
            R"({"protected":"p","encrypted_key":"k","iv":"i","ciphertext":"c","tag":"t","aad":"a"})");

  Key ec = generate_ec_key(Curve::p521);
  Jwe real = encrypt("payload", recipient(ec, "ECDH-ES+A256KW"));
  auto back = Jwe::from_json(nlohmann::json::parse(real.to_json_text()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->to_json_text(), real.to_json_text());
  EXPECT_FALSE(back->aad.has_value());
  EXPECT_EQ(decrypt_text(*back, ec), "payload");
}

TEST(Jwe, FromJsonRejectsMalformedDocuments) {
  const nlohmann::json good = {
      {"protected", "p"}, {"encrypted_key", "k"}, {"iv", "i"}, {"ciphertext", "c"}, {"tag", "t"}};
  auto code = [](const nlohmann::json& j) {
    auto r = Jwe::from_json(j);
    return r.ok() ? "ok" : r.error().code;
  };
  EXPECT_EQ(code(good), "ok");
  EXPECT_EQ(code(nlohmann::json::parse("not json", nullptr, false)), "jose.jwe_malformed");
  EXPECT_EQ(code(nlohmann::json::array()), "jose.jwe_malformed");
  EXPECT_EQ(code("jwe"), "jose.jwe_malformed");
  for (const char* member : {"protected", "iv", "ciphertext", "tag"}) {
    nlohmann::json missing = good;
    missing.erase(member);
    EXPECT_EQ(code(missing), "jose.jwe_malformed") << member;
    nlohmann::json numeric = good;
    numeric[member] = 1;
    EXPECT_EQ(code(numeric), "jose.jwe_malformed") << member;
  }
  nlohmann::json bad_key = good;
  bad_key["encrypted_key"] = nullptr;
  EXPECT_EQ(code(bad_key), "jose.jwe_malformed");
  nlohmann::json bad_aad = good;
  bad_aad["aad"] = {1};
  EXPECT_EQ(code(bad_aad), "jose.jwe_malformed");
  nlohmann::json two_recipients = good;
  two_recipients.erase("encrypted_key");
  two_recipients["recipients"] = {{{"encrypted_key", "a"}}, {{"encrypted_key", "b"}}};
  EXPECT_EQ(code(two_recipients), "jose.jwe_malformed");
  two_recipients["recipients"] = {{{"encrypted_key", 5}}};
  EXPECT_EQ(code(two_recipients), "jose.jwe_malformed");
}
