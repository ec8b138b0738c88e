"""The names every C1-C2 cross-section shares: levels, sides, tissue layers and
regions.  Both sources of geometry (:mod:`rfsim.anatomy.parametric` and
:mod:`rfsim.anatomy.pam50`) provide exactly these; the cordotomy metrics and the
figures read them from here."""

#: Vertebral levels of the cross-section.
LEVELS = ("C1", "C2")
#: The subject's side being lesioned; it lies at x > 0.
SIDES = ("left", "right")

#: Physics tissues of the cross-section, in the order of the fraction arrays.
#: The Anatomy appends its ``beyond_tissue`` (the tissue outside the dura).
LAYER_TISSUES = ("white_matter", "grey_matter", "pia", "csf", "dura")

#: Tract and zone regions every Anatomy provides (lesion side, x > 0).
TRACTS = ("lateral_spinothalamic", "stt_arm", "stt_trunk", "stt_leg", "stt_sacral",
          "lateral_corticospinal", "ventral_spinocerebellar", "dorsal_spinocerebellar",
          "rubrospinal", "dorsal_columns", "ventral_funiculus",
          "ventral_horn", "dorsal_horn", "intermediate_zone")
#: Whole-cord regions (both sides).
WHOLE = ("cord", "grey_matter", "white_matter")
#: Somatotopic zones of the spinothalamic tract, ventromedial to dorsolateral
#: (Shepherd et al., AJNR 2017, Fig 1).
STT_ZONES = ("stt_arm", "stt_trunk", "stt_leg", "stt_sacral")
