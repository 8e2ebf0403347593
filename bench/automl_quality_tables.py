"""Public tables for bench/automl-quality.bench.ts that Debian's python3-sklearn and python3-statsmodels ship.

scikit-learn's package carries a few public tables in sklearn/datasets/data/, statsmodels' in
statsmodels/datasets/, that load with no download. This writes the named ones as CSV files into
OUTDIR (a temporary folder of the bench, never committed) with the label as a named column, and
prints one JSON line describing them: [{"name", "file", "label", "task", "source"}, ...].

The `proxy` set (scikit-learn):

- breast_cancer: Wisconsin Diagnostic Breast Cancer (UCI), 569 rows, 30 numeric, binary label
  (malignant/benign);
- digits: UCI Optical Recognition of Handwritten Digits (test part), 1797 rows, 64 pixel counts
  0-16, 10 classes;
- wine: UCI Wine, 178 rows, 13 numeric, 3 cultivars;
- iris: Fisher's Iris, 150 rows, 4 numeric, 3 species;
- diabetes: Efron et al. (2004) diabetes progression, 442 rows, 10 unscaled columns (sex 1/2),
  regression;
- boston: Harrison & Rubinfeld (1978) Boston house prices, 506 rows, 13 numeric, regression of
  MEDV. scikit-learn 1.2 removed `load_boston` (its B column encodes a racist assumption) but
  still ships the CSV; it is read as written, as a proxy for the tables users bring.

The `statsmodels` set (statsmodels.datasets; each module's NOTE gives the codes used below). The
published files hold numeric codes only; to look like a CSV a user would bring, some coded
columns are written as their documented names (text categoricals) and a fixed share of some
columns' values is blanked (missing) with a fixed seed (numpy RandomState(2026), per table) —
the blanks are made up, not part of the published data:
- fair_affairs: Fair (1978) "A Theory of Extramarital Affairs" (Redbook survey), 6,366 rows,
  regression of `affairs` (time spent, 0 for 68% of rows, long right tail); religious,
  occupation and occupation_husb as names; 5% of religious, 10% of occupation_husb and 3% of
  educ blanked;
- fair_any: the same table, binary label `affair` (yes if affairs > 0, else no), affairs dropped;
- randhie: RAND Health Insurance Experiment (Cameron & Trivedi 2005), 20,190 rows, regression of
  `mdvis` (a count of outpatient visits, 0-77); the self-rated health dummies hlthg/hlthf/hlthp
  written as one column `health` (excellent/good/fair/poor); 6% of health and 4% of disea blanked;
- anes96_pid: 1996 American National Election Study, 944 rows, 7 classes of party identification
  `PID` (Strong Democrat ... Strong Republican) by name; educ by name (7 levels), vote as
  Clinton/Dole; 8% of income and 3% of educ blanked (the loader's derived logpopul is not written);
- anes96_vote: the same table, binary label `vote` (Clinton/Dole), PID by name as a feature;
- modechoice: Greene & Hensher (1997) travel mode choice, 840 rows (210 travellers × 4 modes),
  binary label `choice` (yes/no), mode by name (air/train/bus/car); written `;`-separated with
  quoted headers and text, as the published file is `;`-separated.

The `unseen2` set's statsmodels tables (added at stop 25, never run before): the CSV each module
publishes, copied byte for byte (the quoting, spacing and numbers as statsmodels ships them):
- star98: California STAR test scores 1998 (Jeff Gill), 303 school districts, regression of
  `MATHTOT` (students who took the maths test) from `PR50M` (those above the national median)
  and 18 shares, averages and their interactions: a wide numeric table;
- grunfeld: Grunfeld (1950) investment of 11 US firms 1935-1954, 220 rows, regression of
  `invest` from value, capital, the firm by name and the year;
- engel: Engel (1857) food expenditure of 235 Belgian working-class households, regression of
  `foodexp` from `income` alone;
- fertility: World Bank fertility rate (births per woman) of 219 countries and regions, regression
  of `2011` from 1960-2010 (16 rows without it): a wide table (57 columns) with all-distinct names
  and codes, two constant text columns, and 2012-2013 headers with no values (empty columns).

The `unseen3` set (stop 26: tables no one had run Weir on, picked as a new user would try them).
statsmodels also ships, beside its datasets, public tables its tests read (statsmodels/<module>/
tests/results/); most are copied byte for byte as published (R's write.csv quoting, "" row-name
columns, NA for missing, as the package has them):
- autos: the UCI Automobile table (1985 Ward's Automotive Yearbook; gam/tests/results/autos.csv),
  205 cars, regression of `price` (4 rows without one) from make, fuel, body style, sizes, engine
  and mpg; `loss` (normalized losses) missing for 41 rows, 2 rows without `doors`;
- epil: Thall & Vail (1990) epilepsy trial (R MASS::epil; genmod/tests/results/epil.csv), 236
  rows (59 patients × 4 periods), regression of the seizure count `y` from treatment, baseline
  count, age, period; an unnamed row-number column and the patient's `subject` number;
- dietox: Lauridsen et al. (1999) growth of 72 pigs (R geepack::dietox; regression/tests/results/
  dietox.csv), 861 rows, regression of `Weight` from Feed (NA at the first weighing), Time,
  Evit, Cu, Litter and the pig's number `Pig` (4601, ...); an unnamed row-number column;
- framing: Brader, Valentino & Suhay (2008) immigration framing experiment (R mediation::framing;
  stats/tests/results/framing.csv), 265 rows, binary label `cong_mesg` (sent a message to
  Congress, 0/1) from the condition, anxiety level as text, age, education as text, gender,
  income, emotion scores and attitudes; an unnamed row-number column;
- ologit_ucla: UCLA IDRE's ordinal logistic regression example (miscmodels/tests/results/
  ologit_ucla.csv), 400 students, 3 classes of `apply` (unlikely, somewhat likely, very likely)
  from pared, public and gpa;
- fair_pt: Fair (1978)'s Psychology Today survey (datasets/fair/fair_pt.csv, the second table
  of the fair dataset, which fair_affairs does not use), 601 rows, regression of `naffairs` (0,
  1, 2, 3, 7, 12) with an `identifier` column and a constant column;
- co2_weekly: Mauna Loa weekly CO2 (datasets/co2/co2.csv), 2,284 weeks 1958-2001, regression of
  `co2` (59 weeks missing) from `date` written as a YYYYMMDD integer (19580329);
- racd_docvis: Cameron & Trivedi (2009) Microeconometrics Using Stata, doctor visits of 3,629
  US Medicare beneficiaries (sandbox/regression/tests/racd10data_with_transformed.csv),
  regression of the count `docvis` (0-144); the published file also holds ldocvis, ldocvisa
  (logs of docvis), docbin (docvis > 0) and the visits split by kind, physician and
  nonphysician, which give the label away (Weir's leakage guardrail Alerts `physician`) — they
  are dropped here;
- racd_any: the same table, binary label `docbin` (yes if docvis > 0, else no), docvis, its logs
  and the visits by kind dropped;
- griliches: Griliches (1976) young men's wages (NLS; sandbox/regression/tests/griliches76.dta,
  a Stata file written as CSV), 758 rows, regression of the log wage `lw` from schooling, IQ,
  KWW score, experience, tenure, region and the 1980 follow-up's columns.

The `unseen4` set (stop 27: tables no one had run Weir on, from packages already on the machine;
nothing is downloaded):
- kr_vs_kp: UCI Chess (King-Rook vs King-Pawn), the OpenML table (id 3) scikit-learn's tests
  cache in sklearn/datasets/tests/data/openml/id_3 (ARFF, gzipped), 3,196 board positions, binary
  `class` (won/nowin) from 36 text-coded features (f/t, l/g, n/w/b, ...);
- medpar_los and medpar_type: the 1991 Arizona Medicare MedPar table (Hilbe's COUNT data,
  genmod/tests/results/stata_medpar1_glm.csv), 3,676 stays: regression of the length of stay
  `los` (a count, 1-87) from the admission type (text `type1|2`/`type3`) and a DRG-group code;
  and binary `admitype` from `los` and `codes` (2:1 classes);
- sunspots: Wolf's yearly sunspot numbers 1700-2008 (datasets/sunspots), 309 rows, regression of
  `SUNACTIVITY` from `YEAR` alone;
- cancer_counties: statsmodels datasets/cancer (breast cancer deaths and the population of 301
  US counties), regression of `cancer` from `population`;
- windvectors_dir and windvectors_speed: vega-datasets windvectors.csv (node_modules), 4,800
  grid points over Western Europe: `dirCat` (the wind direction in 15-degree bins, 25 classes
  written as numbers 0-360, a few with < 50 rows) from longitude, latitude and speed, with the
  exact direction `dir` dropped (it gives the class away); and `speed` from longitude, latitude
  and dirCat (dir dropped too);
- co2_monthly: vega-datasets co2-concentration.csv (Mauna Loa monthly CO2 1958-2020), 741 rows,
  regression of `CO2` from the text date `Date` (YYYY-MM-DD) alone; the file's `adjusted CO2`
  (the same series, seasonally adjusted) is dropped.

The `unseen5` set (stop 28: tables no one had run Weir on, from packages already on the machine;
nothing is downloaded):
- earthquakes_mag and earthquakes_status: vega-datasets earthquakes.json (USGS, all earthquakes of
  one week of February 2018, GeoJSON), 1,707 events flattened to one row each as a user would
  (the feature's properties plus longitude, latitude and depth from its geometry; `time` as an
  ISO date-time): regression of the magnitude `mag`, and binary `status` (reviewed/automatic)
  from the rest. `sig` (computed from the magnitude), `title` (which writes it), `url`,
  `detail`, `ids`, `code` and `updated` are dropped; the place (text), network, magnitude type
  and the mostly-missing felt/cdi/mmi/alert columns are kept;
- frbny_unrate: the FRBNY nowcast's US data vintage of 2016-07-29 (statsmodels tsa/statespace/
  tests/results/frbny_nowcast/Nowcasting/data/US/2016-07-29.csv, FRED series), 378 months
  1985-2016, regression of the unemployment rate `UNRATE` from the `Date` and 24 other monthly
  series, some missing for their first years; copied as published;
- macro_unemp: statsmodels datasets/macrodata (US quarterly macro series 1959-2009), 203
  quarters, regression of `unemp` from year, quarter and the other series; copied as published;
- cpu_perf: OpenML 561 (UCI Computer Hardware: relative CPU performance of 209 machines, the
  vendor as text), from scikit-learn's test cache id_561, regression of `class`;
- zoo_type: OpenML 62 (UCI Zoo), scikit-learn's test cache id_62, 101 animals, 7 classes of
  `type` from the animal's name (all distinct) and 16 attributes written false/true;
- survival_status: statsmodels duration/tests/results/survival_data_1000_10.csv, 1,000 rows of
  a simulated survival study written space-separated with no header row: binary `column01` (the
  event indicator, 1.0/0.0) from the time and ten covariates; copied as published (Weir names
  the columns as DuckDB does for a header-less file of 13 columns: column00 ... column12);
- gee_ordinal: statsmodels genmod/tests/results/gee_ordinal_1.csv (the GEE ordinal test's
  simulated data, no header row), 787 rows in 200 groups: 4 ordered classes of `column1` from
  the group number and five covariates; copied as published;
- inv_gaussian: statsmodels genmod/tests/results/inv_gaussian.csv (inverse-Gaussian GLM test
  data), 25,000 rows, regression of `xig` from x1 and x2: the largest table of the set;
- barley_yield: vega-datasets barley.json (Immer et al. 1934, as in Cleveland's Visualizing
  Data), 120 rows, regression of `yield` from variety, year and site (text only).

The `unseen6` set (stop 29: tables no one had run Weir on, from packages already on the machine;
nothing is downloaded; the set's vega-datasets files read as they are ship in the bench's list):
- platformer_name: vega-datasets platformer-terrain.json (a game level's tiles), 7,514 rows, 3
  imbalanced classes of `name` (snow 4,151, dirt 3,138, grass 225) from x, y, lumosity, saturation
  and `key` (the tile's "x-y", all distinct: an ID); `id` and `color` are the name recoded
  (one value per class) and are dropped;
- glass2: OpenML 40675 (UCI Glass, two classes of window glass), scikit-learn's test cache
  id_40675 (ARFF, gzipped), 162 rows, binary `class` (0/1) from nine oxide shares;
- statecrime_violent: statsmodels datasets/statecrime (US states 2009), 51 rows, regression of
  `violent` (crimes per 100,000) from murder, hs_grad, poverty, single, white, urban and the
  state's name (all distinct: an ID); copied as published;
- elnino_dec: statsmodels datasets/elnino (sea surface temperatures 1950-2010), 61 years,
  regression of `DEC` from YEAR and the year's other eleven months; copied as published (quoted
  headers).

Usage: python3 automl_quality_tables.py OUTDIR NAME [NAME ...]
Exits with status 3 and a reason on stderr when pandas, scikit-learn (for the proxy tables) or
statsmodels (for the statsmodels tables) cannot be imported.
"""
import csv
import json
import os
import shutil
import sys

# The `unseen2` set's statsmodels tables: the package's published CSV copied as it is (file, label, task).
RAW_TABLES = {
    "star98": ("star98/star98.csv", "MATHTOT", "regression"),
    "grunfeld": ("grunfeld/grunfeld.csv", "invest", "regression"),
    "engel": ("engel/engel.csv", "foodexp", "regression"),
    "fertility": ("fertility/fertility.csv", "2011", "regression"),
}
# The `unseen3` set's tables that statsmodels ships, copied as published (path under the package, label, task).
RAW_UNSEEN3 = {
    "autos": ("gam/tests/results/autos.csv", "price", "regression"),
    "epil": ("genmod/tests/results/epil.csv", "y", "regression"),
    "dietox": ("regression/tests/results/dietox.csv", "Weight", "regression"),
    "framing": ("stats/tests/results/framing.csv", "cong_mesg", "classification"),
    "ologit_ucla": ("miscmodels/tests/results/ologit_ucla.csv", "apply", "classification"),
    "fair_pt": ("datasets/fair/fair_pt.csv", "naffairs", "regression"),
    "co2_weekly": ("datasets/co2/co2.csv", "co2", "regression"),
}
UNSEEN3_TABLES = (*RAW_UNSEEN3, "racd_docvis", "racd_any", "griliches")
# The `unseen4` set's tables that need statsmodels (the others read sklearn's OpenML cache or vega-datasets).
UNSEEN4_STATSMODELS = ("medpar_los", "medpar_type", "sunspots", "cancer_counties")
STATSMODELS_TABLES = ("fair_affairs", "fair_any", "randhie", "anes96_pid", "anes96_vote", "modechoice", *RAW_TABLES, *UNSEEN3_TABLES, *UNSEEN4_STATSMODELS)
# Tables read from vega-datasets in the repository's node_modules (no Python package needed beyond pandas).
VEGA_TABLES = ("windvectors_dir", "windvectors_speed", "co2_monthly", "earthquakes_mag", "earthquakes_status", "barley_yield")
# The `unseen5` set's tables statsmodels ships, copied as published (path under the package, label, task).
RAW_UNSEEN5 = {
    "frbny_unrate": ("tsa/statespace/tests/results/frbny_nowcast/Nowcasting/data/US/2016-07-29.csv", "UNRATE", "regression"),
    "macro_unemp": ("datasets/macrodata/macrodata.csv", "unemp", "regression"),
    "survival_status": ("duration/tests/results/survival_data_1000_10.csv", "column01", "classification"),
    "gee_ordinal": ("genmod/tests/results/gee_ordinal_1.csv", "column1", "classification"),
    "inv_gaussian": ("genmod/tests/results/inv_gaussian.csv", "xig", "regression"),
}
# The `unseen6` set's statsmodels tables, copied as published (path under the package, label, task).
RAW_UNSEEN6 = {
    "statecrime_violent": ("datasets/statecrime/statecrime.csv", "violent", "regression"),
    "elnino_dec": ("datasets/elnino/elnino.csv", "DEC", "regression"),
}
VEGA_TABLES = (*VEGA_TABLES, "platformer_name")
VEGA_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "node_modules", "vega-datasets", "data")

try:
    import numpy as np
    import pandas as pd

    if any(n not in STATSMODELS_TABLES and n not in VEGA_TABLES and n not in RAW_UNSEEN5 and n not in RAW_UNSEEN6 for n in sys.argv[2:]):
        from sklearn import datasets
    if any(n in STATSMODELS_TABLES or n in RAW_UNSEEN5 or n in RAW_UNSEEN6 for n in sys.argv[2:]):
        import statsmodels.datasets as smd
except ImportError as e:  # the bench prints the reason and skips these tables
    print(f"not importable: {e}", file=sys.stderr)
    sys.exit(3)


def classification(bunch, label):
    """The features and the label as class names (as a user's table would have them), not codes."""
    frame = bunch.frame.drop(columns=["target"])
    names = list(bunch.target_names)
    frame[label] = [str(names[int(t)]) for t in bunch.target]
    return frame


def boston():
    path = os.path.join(os.path.dirname(datasets.__file__), "data", "boston_house_prices.csv")
    # The first line holds the row and column counts; the second the column names.
    return pd.read_csv(path, skiprows=1)


def blank(frame, shares, seed=2026):
    """Blanks (sets missing) a fixed share of each named column's values, rows drawn with a fixed seed."""
    rng = np.random.RandomState(seed)
    for column, share in shares.items():
        rows = rng.rand(len(frame)) < share
        frame[column] = frame[column].where(~rows, np.nan if frame[column].dtype.kind == "f" else None)
    return whole(frame)


def whole(frame):
    """Numeric columns holding whole numbers only written as integers (36, not 36.0), as a user's file has them."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind == "f" and values.dropna().apply(float.is_integer).all():
            frame[column] = values.astype("Int64")
    return frame


def named(series, names):
    """A coded column as its documented names (codes read as whole numbers)."""
    return series.map(lambda v: names[int(round(v))])


OCCUPATION = {
    1: "student",
    2: "farming, semi-skilled or unskilled",
    3: "white-collar",
    4: "teacher, nurse, artist, technician or skilled",
    5: "managerial or business",
    6: "professional with advanced degree",
}


def fair():
    frame = smd.fair.load_pandas().data.copy()
    frame["religious"] = named(frame["religious"], {1: "not", 2: "mildly", 3: "fairly", 4: "strongly"})
    frame["occupation"] = named(frame["occupation"], OCCUPATION)
    frame["occupation_husb"] = named(frame["occupation_husb"], OCCUPATION)
    return blank(frame, {"religious": 0.05, "occupation_husb": 0.10, "educ": 0.03})


def randhie():
    frame = smd.randhie.load_pandas().data.copy()
    health = np.where(frame["hlthp"] == 1, "poor", np.where(frame["hlthf"] == 1, "fair", np.where(frame["hlthg"] == 1, "good", "excellent")))
    frame = frame.drop(columns=["hlthg", "hlthf", "hlthp"])
    frame["health"] = health
    return blank(frame, {"health": 0.06, "disea": 0.04})


def anes96():
    frame = smd.anes96.load_pandas().data.drop(columns=["logpopul"]).copy()
    parties = ["Strong Democrat", "Weak Democrat", "Independent-Democrat", "Independent-Independent", "Independent-Republican", "Weak Republican", "Strong Republican"]
    frame["PID"] = named(frame["PID"], dict(enumerate(parties)))
    levels = ["1-8 grades", "Some high school", "High school graduate", "Some college", "College degree", "Master's degree", "PhD"]
    frame["educ"] = named(frame["educ"], dict(enumerate(levels, start=1)))
    frame["vote"] = named(frame["vote"], {0: "Clinton", 1: "Dole"})
    return blank(frame, {"income": 0.08, "educ": 0.03})


def modechoice():
    frame = smd.modechoice.load_pandas().data.copy()
    frame["mode"] = named(frame["mode"], {1: "air", 2: "train", 3: "bus", 4: "car"})
    frame["choice"] = named(frame["choice"], {0: "no", 1: "yes"})
    return whole(frame)


def load(name):
    """(frame, label, task, source) of one table."""
    if name == "breast_cancer":
        return classification(datasets.load_breast_cancer(as_frame=True), "diagnosis"), "diagnosis", "classification", "sklearn load_breast_cancer (UCI WDBC)"
    if name == "digits":
        return classification(datasets.load_digits(as_frame=True), "digit"), "digit", "classification", "sklearn load_digits (UCI optdigits)"
    if name == "wine":
        return classification(datasets.load_wine(as_frame=True), "cultivar"), "cultivar", "classification", "sklearn load_wine (UCI Wine)"
    if name == "iris":
        return classification(datasets.load_iris(as_frame=True), "species"), "species", "classification", "sklearn load_iris"
    if name == "diabetes":
        frame = datasets.load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": "progression"})
        return frame, "progression", "regression", "sklearn load_diabetes(scaled=False)"
    if name == "boston":
        return boston(), "MEDV", "regression", "sklearn data/boston_house_prices.csv"
    if name == "fair_affairs":
        return fair(), "affairs", "regression", "statsmodels datasets.fair (Fair 1978)"
    if name == "fair_any":
        frame = fair()
        frame["affair"] = np.where(frame["affairs"] > 0, "yes", "no")
        return frame.drop(columns=["affairs"]), "affair", "classification", "statsmodels datasets.fair (Fair 1978), affairs > 0"
    if name == "randhie":
        return randhie(), "mdvis", "regression", "statsmodels datasets.randhie (RAND HIE)"
    if name == "anes96_pid":
        return anes96(), "PID", "classification", "statsmodels datasets.anes96 (ANES 1996)"
    if name == "anes96_vote":
        return anes96(), "vote", "classification", "statsmodels datasets.anes96 (ANES 1996)"
    if name == "modechoice":
        return modechoice(), "choice", "classification", "statsmodels datasets.modechoice (Greene & Hensher 1997)"
    if name in ("racd_docvis", "racd_any"):
        frame = pd.read_csv(os.path.join(os.path.dirname(smd.__file__), "..", "sandbox", "regression", "tests", "racd10data_with_transformed.csv"))
        source = "statsmodels sandbox/regression/tests/racd10data_with_transformed.csv (Cameron & Trivedi 2009)"
        outcome = ["ldocvis", "ldocvisa", "physician", "nonphysician"]
        if name == "racd_docvis":
            return frame.drop(columns=[*outcome, "docbin"]), "docvis", "regression", source + ", docbin and the visits' logs and kinds dropped"
        frame["docbin"] = np.where(frame["docvis"] > 0, "yes", "no")
        return frame.drop(columns=[*outcome, "docvis"]), "docbin", "classification", source + ", docbin as yes/no, docvis and its logs and kinds dropped"
    if name == "griliches":
        frame = pd.read_stata(os.path.join(os.path.dirname(smd.__file__), "..", "sandbox", "regression", "tests", "griliches76.dta"))
        return whole(frame), "lw", "regression", "statsmodels sandbox/regression/tests/griliches76.dta (Griliches 1976), as CSV"
    if name == "kr_vs_kp":
        return kr_vs_kp(), "class", "classification", "OpenML 3 (UCI kr-vs-kp) from scikit-learn's test cache sklearn/datasets/tests/data/openml/id_3"
    if name in ("medpar_los", "medpar_type"):
        frame = pd.read_csv(os.path.join(os.path.dirname(smd.__file__), "..", "genmod", "tests", "results", "stata_medpar1_glm.csv"))
        label = "los" if name == "medpar_los" else "admitype"
        return frame, label, "regression" if name == "medpar_los" else "classification", "statsmodels genmod/tests/results/stata_medpar1_glm.csv (MedPar 1991)"
    if name == "sunspots":
        return whole(smd.sunspots.load_pandas().data.copy()), "SUNACTIVITY", "regression", "statsmodels datasets.sunspots"
    if name == "cancer_counties":
        return whole(smd.cancer.load_pandas().data.copy()), "cancer", "regression", "statsmodels datasets.cancer"
    if name in ("windvectors_dir", "windvectors_speed"):
        frame = pd.read_csv(os.path.join(VEGA_DATA, "windvectors.csv")).drop(columns=["dir"])
        label = "dirCat" if name == "windvectors_dir" else "speed"
        return frame, label, "classification" if name == "windvectors_dir" else "regression", "vega-datasets windvectors.csv, dir dropped"
    if name == "co2_monthly":
        frame = pd.read_csv(os.path.join(VEGA_DATA, "co2-concentration.csv"), dtype=str).drop(columns=["adjusted CO2"])
        return frame, "CO2", "regression", "vega-datasets co2-concentration.csv, adjusted CO2 dropped"
    if name in ("earthquakes_mag", "earthquakes_status"):
        return earthquakes(), "mag" if name == "earthquakes_mag" else "status", "regression" if name == "earthquakes_mag" else "classification", "vega-datasets earthquakes.json (USGS), flattened; sig, title, url, detail, ids, code, updated dropped"
    if name in ("cpu_perf", "zoo_type"):
        ident, file, label = ("id_561", "data-v1-dl-52739.arff.gz", "class") if name == "cpu_perf" else ("id_62", "data-v1-dl-52352.arff.gz", "type")
        return openml_arff(ident, file), label, "regression" if name == "cpu_perf" else "classification", f"OpenML {ident[3:]} from scikit-learn's test cache sklearn/datasets/tests/data/openml/{ident}"
    if name == "platformer_name":
        frame = pd.read_json(os.path.join(VEGA_DATA, "platformer-terrain.json")).drop(columns=["id", "color"])
        return frame, "name", "classification", "vega-datasets platformer-terrain.json, id and color (the name recoded) dropped"
    if name == "glass2":
        return openml_arff("id_40675", "data-v1-dl-4965250.arff.gz"), "class", "classification", "OpenML 40675 from scikit-learn's test cache sklearn/datasets/tests/data/openml/id_40675"
    if name == "barley_yield":
        return pd.read_json(os.path.join(VEGA_DATA, "barley.json")), "yield", "regression", "vega-datasets barley.json"
    raise SystemExit(f"unknown table {name}")


def earthquakes():
    """vega-datasets' USGS GeoJSON as one row per event: the properties, longitude, latitude and depth, time as ISO."""
    with open(os.path.join(VEGA_DATA, "earthquakes.json")) as f:
        features = json.load(f)["features"]
    rows = []
    for feature in features:
        row = dict(feature["properties"])
        lon, lat, depth = feature["geometry"]["coordinates"]
        row.update(longitude=lon, latitude=lat, depth=depth)
        row["time"] = pd.Timestamp(row["time"], unit="ms").strftime("%Y-%m-%dT%H:%M:%S")
        rows.append(row)
    frame = pd.DataFrame(rows).drop(columns=["sig", "title", "url", "detail", "ids", "code", "updated"])
    return whole(frame)


def openml_arff(ident, file):
    """An OpenML ARFF from scikit-learn's test cache as a frame (nominal values as text)."""
    import gzip
    import io

    from scipy.io import arff

    cached = os.path.join(os.path.dirname(datasets.__file__), "tests", "data", "openml", ident, file)
    with gzip.open(cached, "rt") as f:
        data, _ = arff.loadarff(io.StringIO(f.read()))
    frame = pd.DataFrame(data)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].str.decode("utf8")
    return whole(frame)


def kr_vs_kp():
    """OpenML's kr-vs-kp ARFF (nominal values only) as a frame of text columns."""
    import gzip
    import io

    from scipy.io import arff

    cached = os.path.join(os.path.dirname(datasets.__file__), "tests", "data", "openml", "id_3", "data-v1-dl-3.arff.gz")
    with gzip.open(cached, "rt") as f:
        data, _ = arff.loadarff(io.StringIO(f.read()))
    frame = pd.DataFrame(data)
    for column in frame.columns:
        frame[column] = frame[column].str.decode("utf8")
    return frame


def raw(name, out):
    """Copies a statsmodels dataset's published CSV as it is; returns its description."""
    import shutil

    relative, label, task = RAW_TABLES[name]
    file = os.path.join(out, f"{name}.csv")
    shutil.copyfile(os.path.join(os.path.dirname(smd.__file__), relative), file)
    return {"name": name, "file": file, "label": label, "task": task, "source": f"statsmodels datasets/{relative}, as published"}


def main():
    out, names = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    described = []
    for name in names:
        if name in RAW_TABLES:
            described.append(raw(name, out))
            continue
        if name in RAW_UNSEEN5 or name in RAW_UNSEEN6:
            relative, label, task = RAW_UNSEEN5[name] if name in RAW_UNSEEN5 else RAW_UNSEEN6[name]
            file = os.path.join(out, f"{name}.csv")
            shutil.copyfile(os.path.join(os.path.dirname(smd.__file__), "..", relative), file)
            described.append({"name": name, "file": file, "label": label, "task": task, "source": f"statsmodels {relative}, as published"})
            continue
        if name in RAW_UNSEEN3:
            relative, label, task = RAW_UNSEEN3[name]
            file = os.path.join(out, f"{name}.csv")
            shutil.copyfile(os.path.join(os.path.dirname(smd.__file__), "..", relative), file)
            described.append({"name": name, "file": file, "label": label, "task": task, "source": f"statsmodels {relative}, as published"})
            continue
        frame, label, task, source = load(name)
        file = os.path.join(out, f"{name}.csv")
        if name == "modechoice":
            frame.to_csv(file, index=False, sep=";", quoting=csv.QUOTE_NONNUMERIC)
        else:
            frame.to_csv(file, index=False)
        described.append({"name": name, "file": file, "label": label, "task": task, "source": source})
    print(json.dumps(described))


if __name__ == "__main__":
    main()
