"""The insurance dashboard: conversion figures per period, for admins and marketers."""
