"""The Python peer of the benchmark: the original system's stack serving POST /predict.

FastAPI + uvicorn, a scikit-learn/xgboost soft-voting ensemble (RandomForest, XGBoost,
GradientBoosting) with the parameters of bench/original-params.yaml, median imputation and
standard scaling, trained at start-up on the stratified 80 % of water_potability.csv.
Same request and response shape as Potable's POST /predict.

Run: PEER_DATA=Data-set/water_potability.csv PEER_PARAMS=bench/original-params.yaml \
     uvicorn app:app --app-dir bench/peer --host 127.0.0.1 --port 8001
"""

import os

import pandas as pd
import yaml
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.ensemble import (GradientBoostingClassifier, RandomForestClassifier,
                              VotingClassifier)
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from xgboost import XGBClassifier

FEATURES = ["ph", "Hardness", "Solids", "Chloramines", "Sulfate", "Conductivity",
            "Organic_carbon", "Trihalomethanes", "Turbidity"]
MODEL_VERSION = "python-peer"


def build_model(params: dict) -> Pipeline:
    train = params["train"]
    rf, xgb, gb = train["random_forest"], train["xgboost"], train["gradient_boosting"]
    seed = params["preprocess"]["random_state"]
    w = train["voting_weights"]
    voting = VotingClassifier(
        estimators=[
            ("rf", RandomForestClassifier(
                n_estimators=rf["n_estimators"], max_depth=rf["max_depth"],
                min_samples_split=rf["min_samples_split"],
                min_samples_leaf=rf["min_samples_leaf"], max_features=rf["max_features"],
                class_weight=rf["class_weight"], random_state=seed)),
            ("xgb", XGBClassifier(
                learning_rate=xgb["learning_rate"], max_depth=xgb["max_depth_xgb"],
                n_estimators=xgb["n_estimators_xgb"], scale_pos_weight=xgb["scale_pos_weight"],
                subsample=xgb["subsample"], colsample_bytree=xgb["colsample_bytree"],
                gamma=xgb["gamma"], min_child_weight=xgb["min_child_weight"],
                reg_alpha=xgb["reg_alpha"], reg_lambda=xgb["reg_lambda"],
                eval_metric="logloss", random_state=seed)),
            ("gb", GradientBoostingClassifier(
                n_estimators=gb["n_estimators"], learning_rate=gb["learning_rate"],
                max_depth=gb["max_depth"], subsample=gb["subsample"],
                min_samples_leaf=gb["min_samples_leaf"], random_state=seed)),
        ],
        voting="soft",
        weights=[w["random_forest"], w["xgboost"], w["gradient_boosting"]],
    )
    return Pipeline([
        ("impute", SimpleImputer(strategy=params["preprocess"]["imputation"])),
        ("scale", StandardScaler()),
        ("model", voting),
    ])


def train_model() -> Pipeline:
    with open(os.environ.get("PEER_PARAMS", "bench/original-params.yaml")) as f:
        params = yaml.safe_load(f)
    data = pd.read_csv(os.environ.get("PEER_DATA", "Data-set/water_potability.csv"))
    x, y = data[FEATURES], data["Potability"]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=params["preprocess"]["test_size"], stratify=y,
        random_state=params["preprocess"]["random_state"])
    model = build_model(params).fit(x_train, y_train)
    print(f"peer model trained: held-out accuracy {model.score(x_test, y_test):.3f}", flush=True)
    return model


MODEL = train_model()
app = FastAPI(title="Potable Python peer")


class WaterSample(BaseModel):
    ph: float
    Hardness: float
    Solids: float
    Chloramines: float
    Sulfate: float
    Conductivity: float
    Organic_carbon: float
    Trihalomethanes: float
    Turbidity: float


@app.get("/health")
def health():
    return {"status": "ok", "model_version": MODEL_VERSION, "model_loaded": True}


@app.post("/predict")
def predict(sample: WaterSample):
    row = pd.DataFrame([sample.model_dump()], columns=FEATURES)
    p = float(MODEL.predict_proba(row)[0][1])
    potability = int(p >= 0.5)
    return {
        "potability": potability,
        "potability_label": "Potable" if potability else "Not Potable",
        "confidence": p if potability else 1.0 - p,
        "probability_potable": p,
        "model_version": MODEL_VERSION,
    }
